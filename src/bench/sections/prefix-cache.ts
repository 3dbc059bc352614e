/**
 * The disk prefix cache (issue 11), on a parallel-1 server with --prefix-cache-dir:
 * - interleaved: 4 agent conversations take turns on the one slot; follow-up TTFT ÷ cold;
 * - new task: a new conversation with the same system prompt as a cached one; TTFT ÷ a cold new task;
 * - restart: the server is stopped (SIGTERM persists the slot) and started again (restoring it); the
 *   conversation's next turn TTFT ÷ cold; another conversation's next turn, from disk, in the note;
 * - disk: save and load MB/s as the server measured them (/metrics), state bytes per token from the cache's
 *   own entries, extrapolated to Devstral 24B by the ratio of measured to f16-KV bytes per token.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kvBytesPerToken, readKvShape } from '../../lib/gguf-kv-shape.ts';
import type { Progress } from '../progress.ts';
import { type BenchMessage, conversation, FOLLOW_UP_TURN } from '../prompts.ts';
import { type BenchRow, makeRow } from '../report.ts';
import type { RunningServer, ServerSettings } from '../server-process.ts';
import { median } from '../stats.ts';
import { getText, type StreamResult, streamChat } from '../stream-client.ts';
import type { ConversationShape } from './prefix.ts';

/** Devstral Small 2 24B: 40 layers × 8 KV heads × head dim 128 × (K+V) × f16 (engines.md §3). */
const DEVSTRAL_KV_BYTES_PER_TOKEN = 160 * 1024;
/** A Cline CLI opening request (issue 11) and the prior art's Devstral prefill rate on a 16-vCPU VM (engines.md). */
const DEVSTRAL_PROMPT_TOKENS = 6000;
const DEVSTRAL_PREFILL_TOK_S = 24;
const NEW_TASK_QUESTION = 'Start a new task: add input validation to the HTTP handler and report what changed.';

interface Sample {
  label: string;
  ttftMs: number;
  promptTokens: number;
  cachedTokens: number;
}

async function metric(server: RunningServer, name: string): Promise<number | undefined> {
  const { body } = await getText(server.endpoint, '/metrics');
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

async function stateBytesPerToken(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json') || name === 'model-hash.json') continue;
    const s = JSON.parse(await readFile(join(dir, name), 'utf8')) as { tokens: number[]; stateBytes: number };
    if (s.tokens.length > 0) out.push(s.stateBytes / s.tokens.length);
  }
  return out;
}

export async function runPrefixCacheSection(
  start: (settings: Partial<ServerSettings>) => Promise<RunningServer>,
  cacheDir: string,
  modelPath: string,
  shape: ConversationShape,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: Record<string, unknown> }> {
  const samples: Sample[] = [];
  let server = await start({ parallel: 1, prefixCacheDir: cacheDir });
  const ask = async (label: string, messages: BenchMessage[]): Promise<StreamResult> => {
    const r = await streamChat(server.endpoint, { model: server.modelId, messages, maxTokens: 8 });
    samples.push({ label, ttftMs: r.ttftMs, promptTokens: r.promptTokens, cachedTokens: r.cachedTokens });
    progress(`prefix cache: ${label} ${r.ttftMs.toFixed(0)} ms (${r.cachedTokens}/${r.promptTokens} cached)`);
    return r;
  };
  const followUp = (messages: BenchMessage[], answer: string): BenchMessage[] => [
    ...messages,
    { role: 'assistant', content: answer },
    { role: 'user', content: FOLLOW_UP_TURN },
  ];
  let saveBps: number | undefined;
  let loadBps: number | undefined;
  try {
    // First request after a model load pays page faults; keep it out of the figures.
    await streamChat(server.endpoint, { model: server.modelId, messages: conversation('pc-warm', 1, 1), maxTokens: 2 });
    const names = ['pc-a', 'pc-b', 'pc-c', 'pc-d'];
    const convs = names.map((n) => conversation(n, shape.turns, shape.systemRepeats));
    const answers: string[] = [];
    for (const [i, c] of convs.entries()) answers.push((await ask(`cold ${names[i]}`, c)).text);
    const follows: Array<{ messages: BenchMessage[]; answer: string }> = [];
    for (const [i, c] of convs.entries()) {
      const f = followUp(c, answers[i] ?? '');
      follows.push({ messages: f, answer: (await ask(`follow-up ${names[i]}`, f)).text });
    }
    // A new task on a cached system prompt, and a new task with a system prompt never seen (its cold).
    const newTask = (messages: BenchMessage[]): BenchMessage[] => [
      messages[0] as BenchMessage,
      { role: 'user', content: NEW_TASK_QUESTION },
    ];
    await ask('new task cold', newTask(conversation('pc-e', shape.turns, shape.systemRepeats)));
    const warmTask = newTask(convs[1] as BenchMessage[]);
    await ask('new task warm', warmTask);
    // The fourth conversation goes on (from disk) and holds the slot when the engine stops.
    const d = follows[3] as { messages: BenchMessage[]; answer: string };
    const dTurn = followUp(d.messages, d.answer);
    const dAnswer = (await ask('before restart', dTurn)).text;
    saveBps = await metric(server, 'slm_prefix_cache_save_bytes_per_second');

    // Restart: SIGTERM writes the slot to disk; the next server loads it back at start. That
    // conversation's next turn is the row; another conversation's next turn (from disk) goes in the note.
    await server.stop();
    server = await start({ parallel: 1, prefixCacheDir: cacheDir });
    await ask('restart follow-up', followUp(dTurn, dAnswer));
    const c = follows[2] as { messages: BenchMessage[]; answer: string };
    await ask('restart other conversation', followUp(c.messages, c.answer));
    loadBps = await metric(server, 'slm_prefix_cache_load_bytes_per_second');
  } finally {
    await server.stop();
  }

  const ttft = (prefix: string) => median(samples.filter((s) => s.label.startsWith(prefix)).map((s) => s.ttftMs));
  const one = (label: string) => samples.find((s) => s.label === label);
  const cold = ttft('cold ');
  const cachedNote = (prefix: string) => {
    const s = samples.filter((x) => x.label.startsWith(prefix));
    return `${median(s.map((x) => x.cachedTokens))} of ${median(s.map((x) => x.promptTokens))} prompt tokens cached`;
  };
  const rows: BenchRow[] = [];
  rows.push(
    makeRow(
      'prefix-cache-interleaved',
      '4 conversations interleaved on parallel 1: follow-up TTFT ms / cold',
      { label: 'follow-up', value: ttft('follow-up '), unit: 'ms' },
      { label: 'cold', value: cold, unit: 'ms' },
      { on: 'ratio', op: '<=', value: 0.25 },
      { note: `follow-ups: ${cachedNote('follow-up ')} (median of 4); each one evicts the previous conversation to disk` },
    ),
  );
  const warmTask = one('new task warm');
  const coldTask = one('new task cold');
  rows.push(
    makeRow(
      'prefix-cache-new-task',
      'New task on a warm system prompt: TTFT ms / cold new task',
      { label: 'warm system prompt', value: warmTask?.ttftMs ?? Number.NaN, unit: 'ms' },
      { label: 'cold', value: coldTask?.ttftMs ?? Number.NaN, unit: 'ms' },
      { on: 'ratio', op: '<=', value: 0.2 },
      { note: `${warmTask?.cachedTokens} of ${warmTask?.promptTokens} prompt tokens cached (system prompt of a conversation on disk)` },
    ),
  );
  const restart = one('restart follow-up');
  const other = one('restart other conversation');
  rows.push(
    makeRow(
      'prefix-cache-restart',
      'Restart: follow-up TTFT ms after an engine restart / cold',
      { label: 'after restart', value: restart?.ttftMs ?? Number.NaN, unit: 'ms' },
      { label: 'cold', value: cold, unit: 'ms' },
      { on: 'ratio', op: '<=', value: 0.15 },
      {
        note:
          `${restart?.cachedTokens} of ${restart?.promptTokens} prompt tokens cached (slot written on SIGTERM, loaded at start; first request ` +
          `after the model load); another conversation's next turn, loaded from disk on demand: ${other?.ttftMs.toFixed(0)} ms, ` +
          `${other?.cachedTokens} of ${other?.promptTokens} cached`,
      },
    ),
  );
  const perToken = median(await stateBytesPerToken(cacheDir));
  const kvPerToken = kvBytesPerToken(await readKvShape(modelPath));
  const devstralPerToken = (DEVSTRAL_KV_BYTES_PER_TOKEN * perToken) / kvPerToken;
  const devstralPromptBytes = devstralPerToken * DEVSTRAL_PROMPT_TOKENS;
  const mb = (b: number | undefined) => (b === undefined ? Number.NaN : b / 1e6);
  rows.push(
    makeRow(
      'prefix-cache-disk',
      'Disk cache MB/s: load (checksum + read) / save',
      { label: 'load', value: mb(loadBps), unit: 'MB/s' },
      { label: 'save', value: mb(saveBps), unit: 'MB/s' },
      null,
      {
        note:
          `state ${(perToken / 1024).toFixed(1)} KiB/token (f16 KV from GGUF: ${(kvPerToken / 1024).toFixed(1)} KiB); ` +
          `Devstral 24B ≈ ${(devstralPerToken / 1024).toFixed(0)} KiB/token → a ${DEVSTRAL_PROMPT_TOKENS}-token prompt ≈ ` +
          `${(devstralPromptBytes / 1e9).toFixed(2)} GB, load ≈ ${(devstralPromptBytes / (loadBps ?? Number.NaN)).toFixed(1)} s ` +
          `at this load rate vs ≈ ${(DEVSTRAL_PROMPT_TOKENS / DEVSTRAL_PREFILL_TOK_S).toFixed(0)} s prefill at ${DEVSTRAL_PREFILL_TOK_S} tok/s`,
      },
    ),
  );
  return { rows, details: { samples, stateBytesPerToken: perToken, kvBytesPerToken: kvPerToken, loadBps, saveBps } };
}
