/**
 * Row 3: aggregate tok/s with 1, 2 and 4 concurrent streams, both ways the server can take them:
 * `--parallel` equal to the stream count (sequences batched into one decode), and `--parallel 1` with a
 * queue (requests served one after another). Aggregate = all generated tokens / wall time from the
 * first request sent to the last stream finished.
 */
import type { Progress } from '../progress.ts';
import { decodeMessages } from '../prompts.ts';
import { type BenchRow, makeRow } from '../report.ts';
import type { RunningServer } from '../server-process.ts';
import { median } from '../stats.ts';
import { streamChat } from '../stream-client.ts';

export interface ConcurrencySample {
  parallel: number;
  streams: number;
  aggregateTokPerSec: number;
  wallMs: number;
  totalTokens: number;
  perStreamDecodeTokPerSec: number;
  maxTtftMs: number;
}

export async function measureConcurrency(
  server: RunningServer,
  streams: number,
  tokens: number,
  progress: Progress,
): Promise<ConcurrencySample> {
  const results = await Promise.all(
    Array.from({ length: streams }, (_, i) =>
      streamChat(server.endpoint, {
        model: server.modelId,
        messages: decodeMessages(`p${server.settings.parallel}x${streams}-${i}`),
        maxTokens: tokens,
      }),
    ),
  );
  const start = Math.min(...results.map((r) => r.startedAt));
  const end = Math.max(...results.map((r) => r.startedAt + r.totalMs));
  const totalTokens = results.reduce((sum, r) => sum + r.completionTokens, 0);
  const sample: ConcurrencySample = {
    parallel: server.settings.parallel,
    streams,
    aggregateTokPerSec: (totalTokens * 1000) / (end - start),
    wallMs: end - start,
    totalTokens,
    perStreamDecodeTokPerSec: median(results.map((r) => r.decodeTokPerSec)),
    maxTtftMs: Math.max(...results.map((r) => r.ttftMs)),
  };
  progress(`concurrency: parallel ${sample.parallel}, ${streams} stream(s): ${sample.aggregateTokPerSec.toFixed(1)} tok/s aggregate`);
  return sample;
}

/** One sample per (parallel, streams) configuration: the median over its rounds. */
function medianByConfig(samples: ConcurrencySample[]): ConcurrencySample[] {
  const groups = new Map<string, ConcurrencySample[]>();
  for (const s of samples) {
    const key = `${s.parallel}x${s.streams}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return [...groups.values()].map((group) => ({
    parallel: group[0]!.parallel,
    streams: group[0]!.streams,
    aggregateTokPerSec: median(group.map((g) => g.aggregateTokPerSec)),
    wallMs: median(group.map((g) => g.wallMs)),
    totalTokens: median(group.map((g) => g.totalTokens)),
    perStreamDecodeTokPerSec: median(group.map((g) => g.perStreamDecodeTokPerSec)),
    maxTtftMs: median(group.map((g) => g.maxTtftMs)),
  }));
}

export function concurrencyRows(all: ConcurrencySample[]): BenchRow[] {
  const samples = medianByConfig(all);
  const rounds = all.length / Math.max(1, samples.length);
  const base = samples.find((s) => s.parallel === 1 && s.streams === 1);
  if (base === undefined) return [];
  const rows: BenchRow[] = [
    makeRow(
      'aggregate-1',
      'Aggregate tok/s, 1 stream (parallel 1) / its own first-to-last-token decode rate',
      { label: '1 stream', value: base.aggregateTokPerSec, unit: 'tok/s' },
      { label: 'decode', value: base.perStreamDecodeTokPerSec, unit: 'tok/s' },
      null,
      {
        note: `aggregate = all tokens / wall time from first request to last stream end (includes prompt processing and HTTP); median of ${rounds} round(s)`,
      },
    ),
  ];
  for (const s of samples) {
    if (s === base) continue;
    const how = s.parallel === 1 ? 'parallel 1 + queue' : `parallel ${s.parallel}`;
    rows.push(
      makeRow(
        `aggregate-${s.streams}-p${s.parallel}`,
        `Aggregate tok/s, ${s.streams} streams (${how}) / 1 stream`,
        { label: `${s.streams} streams`, value: s.aggregateTokPerSec, unit: 'tok/s' },
        { label: '1 stream', value: base.aggregateTokPerSec, unit: 'tok/s' },
        null,
        { note: `per-stream decode ${s.perStreamDecodeTokPerSec.toFixed(1)} tok/s, slowest TTFT ${s.maxTtftMs.toFixed(0)} ms` },
      ),
    );
  }
  return rows;
}
