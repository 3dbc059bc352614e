/** Parent side of the raw baseline: forks raw-worker.ts and exchanges one request/answer at a time. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from '../lib/process/sleep.ts';
import { stopProcess } from '../lib/process/stop-process.ts';
import { trackChild } from './child-process.ts';
import type { BenchMessage } from './prompts.ts';
import type { RawRequest, RawResponse, RawRunResult } from './raw-protocol.ts';

export interface RawRunner {
  readonly loadMs: number;
  /** Worker RSS right after the model and context were created. */
  readonly loadRssBytes: number;
  readonly pid: number;
  run(messages: BenchMessage[], tokens: number): Promise<RawRunResult>;
  count(messages: BenchMessage[]): Promise<number>;
  close(): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./raw-worker.ts', import.meta.url));

export async function startRawRunner(
  modelPath: string,
  threads: number,
  contextSize: number,
  overrides: { flashAttention?: boolean } = {},
): Promise<RawRunner> {
  const child = fork(WORKER, [], { execPath: process.execPath, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const untrack = trackChild(() => stopChild(child));

  const ask = (request: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: RawResponse) => {
        cleanup();
        if (message.type === 'failed') reject(new Error(`raw node-llama-cpp worker: ${message.message}`));
        else resolve(message);
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`raw node-llama-cpp worker exited (${code ?? signal})`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(request);
    });

  try {
    const loaded = await ask({ type: 'load', modelPath, threads, contextSize, ...overrides });
    if (loaded.type !== 'loaded') throw new Error(`unexpected answer ${loaded.type}`);
    return {
      loadMs: loaded.loadMs,
      loadRssBytes: loaded.rssBytes,
      pid: child.pid ?? -1,
      async run(messages, tokens) {
        const answer = await ask({ type: 'run', messages, tokens });
        if (answer.type !== 'ran') throw new Error(`unexpected answer ${answer.type}`);
        return answer.result;
      },
      async count(messages) {
        const answer = await ask({ type: 'count', messages });
        if (answer.type !== 'counted') throw new Error(`unexpected answer ${answer.type}`);
        return answer.tokens;
      },
      close: () => {
        untrack();
        return stopChild(child, ask);
      },
    };
  } catch (error) {
    untrack();
    await stopChild(child);
    throw error;
  }
}

/** Asks the worker to dispose of llama.cpp and exit; SIGTERM, then SIGKILL, if it does not. */
async function stopChild(child: ChildProcess, ask?: (r: RawRequest) => Promise<RawResponse>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (ask !== undefined && child.connected)
    await Promise.race([ask({ type: 'close' }).catch(() => undefined), sleep(5000, { ref: false })]);
  await stopProcess(child, { graceMs: 5000 });
}
