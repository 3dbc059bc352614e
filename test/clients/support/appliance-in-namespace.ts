/**
 * `slm-copilot up` inside a loopback-only namespace, as a user starts it, plus what a test reads back:
 * the report it wrote, the engine's request log and the edge's /metrics.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATHS } from '../../../src/appliance/layout.ts';
import { ReportSections } from '../../support/report-sections.ts';
import { type LoopbackNamespace, runIn } from './loopback-namespace.ts';

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;

/** One line of the engine's request log (src/engine/http/request-record.ts). */
export interface EngineRequestRecord {
  route: string;
  status: number;
  finishReason?: string;
  promptTokens?: number;
  generatedTokens?: number;
}

export interface ApplianceInNamespace {
  root: string;
  report: ReportSections;
  /** The CA file the report tells clients to trust. */
  caFile: string;
  /** The engine's `/v1/chat/completions` records so far, oldest first. */
  chatRequests(): EngineRequestRecord[];
  /** A counter or gauge from the edge's /metrics (with the report's key and CA). */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Sandbox root; `up` writes config, key, certificate, report and logs below it. */
  root: string;
  /** `up --model`; default: the generated demo model. */
  model?: string;
  /** ONEAPP_COPILOT_* context variables. */
  context?: Record<string, string>;
}

export async function startApplianceInNamespace(ns: LoopbackNamespace, options: StartOptions): Promise<ApplianceInNamespace> {
  const args = [MAIN, 'up', '--root', options.root, ...(options.model === undefined ? [] : ['--model', options.model])];
  const wrapped = ns.wrap(process.execPath, args);
  // nsenter execs `up` itself (no --fork): its pid is up's, so SIGINT is a user's Ctrl-C.
  const child = spawn(wrapped.command, wrapped.args, { env: { ...process.env, ...options.context }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await exited;
    }
  };
  const deadline = Date.now() + 300_000;
  while (!out.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`slm-copilot up did not come up:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const report = new ReportSections(readFileSync(join(options.root, PATHS.report), 'utf8'));
  const caFile = report.get('Endpoint', 'ca_certificate');
  const engineLog = join(options.root, PATHS.sandboxLogDir, 'engine.out.log');
  return {
    root: options.root,
    report,
    caFile,
    chatRequests: () =>
      readFileSync(engineLog, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as EngineRequestRecord & { msg?: string })
        .filter((r) => r.msg === 'request' && r.route === '/v1/chat/completions'),
    async metric(name) {
      const origin = new URL(report.get('Endpoint', 'url')).origin;
      const key = report.get('Endpoint', 'api_key');
      const res = await runIn(ns, 'curl', ['-sS', '--fail', '--cacert', caFile, '-H', `Authorization: Bearer ${key}`, `${origin}/metrics`]);
      if (res.code !== 0) throw new Error(`GET /metrics failed: ${res.stderr}`);
      const line = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(res.stdout);
      if (line === null) throw new Error(`/metrics has no ${name}:\n${res.stdout}`);
      return Number(line[1]);
    },
    stop,
  };
}

/** What one client run cost the engine: its chat requests and how far the edge's token counters moved. */
export interface RequestsDuring {
  requests: EngineRequestRecord[];
  promptTokensCounted: number;
  generatedTokensCounted: number;
}

/**
 * Runs a client and collects the chat requests it made, waiting for `expected` of them when `run` says the
 * client succeeded: the engine logs and counts a stream when it has sent its end, which can be just after the
 * client has read it and exited.
 */
export async function requestsDuring(
  appliance: ApplianceInNamespace,
  expected: number,
  run: () => Promise<boolean>,
): Promise<RequestsDuring> {
  const before = appliance.chatRequests().length;
  const prompt = await appliance.metric('slm_prompt_tokens_total');
  const generated = await appliance.metric('slm_generated_tokens_total');
  const succeeded = await run();
  const deadline = Date.now() + 30_000;
  while (succeeded && appliance.chatRequests().length < before + expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return {
    requests: appliance.chatRequests().slice(before),
    promptTokensCounted: (await appliance.metric('slm_prompt_tokens_total')) - prompt,
    generatedTokensCounted: (await appliance.metric('slm_generated_tokens_total')) - generated,
  };
}

/**
 * The engine's side of one agent loop: the opening request ended in a tool call, the request carrying the
 * tool's result ended in the final answer, and the edge's counters grew by exactly the tokens both used.
 */
export function assertToolRoundTrip(during: RequestsDuring): void {
  const { requests } = during;
  assert.deepEqual(
    requests.map((r) => [r.status, r.finishReason]),
    [
      [200, 'tool_calls'],
      [200, 'stop'],
    ],
    'one request answered with the tool call, one with the final answer',
  );
  for (const r of requests) {
    assert.ok((r.promptTokens ?? 0) > 0 && (r.generatedTokens ?? 0) > 0, `tokens counted: ${JSON.stringify(r)}`);
  }
  assert.equal(during.promptTokensCounted, sum(requests, 'promptTokens'), '/metrics prompt tokens = the two requests');
  assert.equal(during.generatedTokensCounted, sum(requests, 'generatedTokens'), '/metrics generated tokens = the two requests');
}

export function sum(records: readonly EngineRequestRecord[], field: 'promptTokens' | 'generatedTokens'): number {
  return records.reduce((n, r) => n + (r[field] ?? 0), 0);
}
