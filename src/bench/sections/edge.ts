/**
 * Row 4 (issue 3): the same server reached through nginx + TLS vs directly. Both clients keep their
 * connection alive (as SDKs do), so TTFT added is the proxy's per-request cost, not a TLS handshake.
 */
import type { Progress } from '../progress.ts';
import { decodeMessages } from '../prompts.ts';
import { makeRow, type BenchRow } from '../report.ts';
import type { RunningServer } from '../server-process.ts';
import { median } from '../stats.ts';
import { streamChat, type Endpoint, type StreamResult } from '../stream-client.ts';

export async function runEdgeSection(
  server: RunningServer,
  edge: Endpoint,
  edgeLabel: string,
  tokens: number,
  repeat: number,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: { direct: number[][]; edge: number[][]; edgeLabel: string } }> {
  const run = (endpoint: Endpoint, salt: string, n: number) =>
    streamChat(endpoint, { model: server.modelId, messages: decodeMessages(salt), maxTokens: n });
  progress(`edge: warm-up (${edgeLabel})`);
  await run(edge, 'we', 4);
  await run(server.endpoint, 'wd', 4);

  const direct: StreamResult[] = [];
  const proxied: StreamResult[] = [];
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 === 0 ? (['direct', 'edge'] as const) : (['edge', 'direct'] as const);
    for (const side of order) {
      if (side === 'direct') direct.push(await run(server.endpoint, `d${i}`, tokens));
      else proxied.push(await run(edge, `e${i}`, tokens));
    }
    progress(
      `edge ${i + 1}/${repeat}: direct ${direct.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s, ` +
        `nginx ${proxied.at(-1)!.decodeTokPerSec.toFixed(1)} tok/s`,
    );
  }
  const rows = [
    makeRow(
      'edge-decode',
      'Decode tok/s: via nginx + TLS / direct to the engine',
      { label: 'nginx', value: median(proxied.map((r) => r.decodeTokPerSec)), unit: 'tok/s' },
      { label: 'direct', value: median(direct.map((r) => r.decodeTokPerSec)), unit: 'tok/s' },
      { on: 'ratio', op: '>=', value: 0.99 },
      `${edgeLabel}; keep-alive connections on both sides; ${repeat} runs each, interleaved; medians`,
    ),
    makeRow(
      'edge-ttft',
      'TTFT ms: via nginx + TLS − direct (added latency)',
      { label: 'nginx', value: median(proxied.map((r) => r.ttftMs)), unit: 'ms' },
      { label: 'direct', value: median(direct.map((r) => r.ttftMs)), unit: 'ms' },
      { on: 'difference', op: '<=', value: 5 },
    ),
  ];
  const pairs = (list: StreamResult[]) => list.map((r) => [r.ttftMs, r.decodeTokPerSec]);
  return { rows, details: { direct: pairs(direct), edge: pairs(proxied), edgeLabel } };
}
