/**
 * Row 4: the same server reached through the appliance's nginx + TLS vs directly. Both clients keep their
 * connection alive (as SDKs do), so TTFT added is the proxy's per-request cost, not a TLS handshake.
 * Every request sends the same conversation, so the server's prefix cache makes TTFT one decode step
 * on both paths; the few milliseconds nginx adds are then measurable, as the median of paired
 * differences over many short requests.
 */
import type { Progress } from '../progress.ts';
import { decodeMessages } from '../prompts.ts';
import { type BenchRow, makeRow } from '../report.ts';
import type { RunningServer } from '../server-process.ts';
import { median, pairedRatios } from '../stats.ts';
import { type Endpoint, type StreamResult, streamChat } from '../stream-client.ts';
import { inAlternatingOrder } from './alternate.ts';

export interface EdgeDetails {
  edgeLabel: string;
  /** [ttftMs, decodeTokPerSec] of each full-length run. */
  direct: number[][];
  edge: number[][];
  /** [direct TTFT, nginx TTFT] of each short pair. */
  ttftPairs: number[][];
}

export async function runEdgeSection(
  server: RunningServer,
  edge: Endpoint,
  edgeLabel: string,
  tokens: number,
  repeat: number,
  ttftPairs: number,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: EdgeDetails }> {
  const messages = decodeMessages('edge');
  const run = (endpoint: Endpoint, n: number) => streamChat(endpoint, { model: server.modelId, messages, maxTokens: n });
  progress(`edge: warm-up (${edgeLabel})`);
  await run(edge, 4);
  await run(server.endpoint, 4);

  const direct: StreamResult[] = [];
  const proxied: StreamResult[] = [];
  for (let i = 0; i < repeat; i++) {
    await inAlternatingOrder(
      i,
      async () => {
        direct.push(await run(server.endpoint, tokens));
      },
      async () => {
        proxied.push(await run(edge, tokens));
      },
    );
    progress(
      `edge ${i + 1}/${repeat}: direct ${direct.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s, ` +
        `nginx ${proxied.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s`,
    );
  }

  const pairs: number[][] = [];
  for (let i = 0; i < ttftPairs; i++) {
    const pair = [Number.NaN, Number.NaN];
    await inAlternatingOrder(
      i,
      async () => {
        pair[0] = (await run(server.endpoint, 2)).ttftMs;
      },
      async () => {
        pair[1] = (await run(edge, 2)).ttftMs;
      },
    );
    pairs.push(pair);
  }
  const added = median(pairs.map(([d, e]) => e! - d!));
  progress(`edge: ${ttftPairs} TTFT pairs, median added ${added.toFixed(1)} ms`);

  const alt = pairedRatios(
    proxied.map((r) => r.decodeTokPerSec),
    direct.map((r) => r.decodeTokPerSec),
  );
  const rows = [
    makeRow(
      'edge-decode',
      'Decode tok/s: via nginx + TLS / direct to the engine',
      { label: 'nginx', value: median(proxied.map((r) => r.decodeTokPerSec)), unit: 'tok/s' },
      { label: 'direct', value: median(direct.map((r) => r.decodeTokPerSec)), unit: 'tok/s' },
      { on: 'ratio', op: '>=', value: 0.99 },
      {
        note:
          `${edgeLabel}; keep-alive connections on both sides; ${repeat} runs each, interleaved; ratio of medians; ` +
          `median of per-pair ratios ${alt.paired.toFixed(3)}, best run vs best run ${alt.best.toFixed(3)}`,
      },
    ),
    makeRow(
      'edge-ttft',
      'TTFT ms: via nginx + TLS − direct (added latency)',
      { label: 'nginx', value: median(pairs.map(([, e]) => e!)), unit: 'ms' },
      { label: 'direct', value: median(pairs.map(([d]) => d!)), unit: 'ms' },
      { on: 'difference', op: '<=', value: 5 },
      {
        note: `${ttftPairs} back-to-back pairs of 2-token requests on a cached prompt; A−B = median of the paired differences`,
        difference: added,
      },
    ),
  ];
  const pick = (list: StreamResult[]) => list.map((r) => [r.ttftMs, r.decodeTokPerSec]);
  return { rows, details: { edgeLabel, direct: pick(direct), edge: pick(proxied), ttftPairs: pairs } };
}
