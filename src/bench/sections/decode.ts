/**
 * Row 1: decode tok/s and TTFT, raw node-llama-cpp vs our server over HTTP streaming. Runs alternate
 * (raw, server, server, raw, …) so that slow phases of a noisy machine hit both sides alike; medians.
 * Pair i uses the same prompt on both sides (salted per pair, so the server has never cached it).
 * Only one side computes at a time: each waits for the other's run to finish, and the idle side's CPU
 * time is recorded to show it stayed idle.
 */
import { cpuTimeMs, type Progress } from '../progress.ts';
import { decodeMessages } from '../prompts.ts';
import type { RawRunResult } from '../raw-protocol.ts';
import type { RawRunner } from '../raw-runner.ts';
import { type BenchRow, makeRow } from '../report.ts';
import { nextRecord, type RunningServer } from '../server-process.ts';
import { median, pairedRatios } from '../stats.ts';
import { type StreamResult, streamChat } from '../stream-client.ts';
import { inAlternatingOrder } from './alternate.ts';

export interface DecodeSection {
  rows: BenchRow[];
  details: {
    raw: RawRunResult[];
    server: Pick<
      StreamResult,
      'text' | 'ttftMs' | 'decodeTokPerSec' | 'promptTokens' | 'completionTokens' | 'contentChunks' | 'finishReason'
    >[];
    /** Decode tok/s the server logged for each run (its own first-to-last-token timing). */
    engineTokPerSec: number[];
    /** CPU ms the raw worker used while the server ran, and vice versa (≈0 = no overlap). */
    rawIdleCpuMs: number;
    serverIdleCpuMs: number;
  };
}

export async function runDecodeSection(
  raw: RawRunner,
  server: RunningServer,
  tokens: number,
  repeat: number,
  progress: Progress,
): Promise<DecodeSection> {
  const serverRun = (salt: string, n: number) =>
    streamChat(server.endpoint, { model: server.modelId, messages: decodeMessages(salt), maxTokens: n });
  progress('decode: warm-up');
  await raw.run(decodeMessages('wr'), 4);
  await serverRun('ws', 4);

  const rawResults: RawRunResult[] = [];
  const serverResults: StreamResult[] = [];
  const engineRates: number[] = [];
  let rawIdleCpuMs = 0;
  let serverIdleCpuMs = 0;
  for (let i = 0; i < repeat; i++) {
    await inAlternatingOrder(
      i,
      async () => {
        const before = cpuTimeMs(server.pid);
        rawResults.push(await raw.run(decodeMessages(`d${i}`), tokens));
        serverIdleCpuMs += cpuTimeMs(server.pid) - before;
      },
      async () => {
        const before = cpuTimeMs(raw.pid);
        const seen = server.records.length;
        serverResults.push(await serverRun(`d${i}`, tokens));
        rawIdleCpuMs += cpuTimeMs(raw.pid) - before;
        engineRates.push((await nextRecord(server, seen))?.tokPerSec ?? Number.NaN);
      },
    );
    progress(
      `decode ${i + 1}/${repeat}: raw ${rawResults.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s, ` +
        `server ${serverResults.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s (engine log ${engineRates.at(-1)?.toFixed(1)})`,
    );
  }

  const short = serverResults.filter((r) => r.completionTokens < tokens).length;
  const rawPrompt = median(rawResults.map((r) => r.promptTokens));
  const serverPrompt = median(serverResults.map((r) => r.promptTokens));
  const notes = [
    `${tokens} tokens/run, greedy, ${repeat} runs per side interleaved; ratio of medians`,
    `prompt tokens raw ${rawPrompt}, server ${serverPrompt}${rawResults[0]?.templated ? ' (both chat-templated)' : ' (raw untemplated)'}`,
  ];
  const same = rawResults.filter((r, i) => r.text === serverResults[i]?.text).length;
  notes.push(`greedy output identical on both sides in ${same}/${repeat} pairs`);
  const serverRate = median(serverResults.map((r) => r.decodeTokPerSec));
  const rawRate = median(rawResults.map((r) => r.decodeTokPerSec));
  const alt = pairedRatios(
    serverResults.map((r) => r.decodeTokPerSec),
    rawResults.map((r) => r.decodeTokPerSec),
  );
  notes.push(`median of per-pair ratios ${alt.paired.toFixed(3)}, best run vs best run ${alt.best.toFixed(3)}`);
  notes.push(`the server's own log says ${median(engineRates).toFixed(1)} tok/s (engine loop without HTTP/client)`);
  notes.push(`per-token time server ${(1000 / serverRate).toFixed(2)} ms vs raw ${(1000 / rawRate).toFixed(2)} ms`);
  if (short > 0) notes.push(`${short} server run(s) stopped before ${tokens} tokens (EOS); rates use the tokens actually generated`);
  const rows = [
    makeRow(
      'decode',
      'Decode tok/s: server (HTTP stream) / raw node-llama-cpp',
      { label: 'server', value: serverRate, unit: 'tok/s' },
      { label: 'raw', value: rawRate, unit: 'tok/s' },
      { on: 'ratio', op: '>=', value: 0.97 },
      { note: notes.join('; ') },
    ),
    makeRow(
      'ttft',
      'TTFT ms: server (HTTP stream) / raw node-llama-cpp',
      { label: 'server', value: median(serverResults.map((r) => r.ttftMs)), unit: 'ms' },
      { label: 'raw', value: median(rawResults.map((r) => r.ttftMs)), unit: 'ms' },
      null,
    ),
  ];
  return {
    rows,
    details: {
      raw: rawResults,
      server: serverResults.map(({ text, ttftMs, decodeTokPerSec, promptTokens, completionTokens, contentChunks, finishReason }) => ({
        text,
        ttftMs,
        decodeTokPerSec,
        promptTokens,
        completionTokens,
        contentChunks,
        finishReason,
      })),
      engineTokPerSec: engineRates,
      rawIdleCpuMs,
      serverIdleCpuMs,
    },
  };
}
