/**
 * Row: how fast a prompt that cannot fit is refused. A 5 MB prompt must be rejected from its length
 * (400 context_length_exceeded) at about the cost of one just over the context, which the engine has
 * to tokenize up to the context size: the work is bounded by the context, not by the request.
 */
import { performance } from 'node:perf_hooks';
import type { Progress } from '../progress.ts';
import { type BenchRow, makeRow } from '../report.ts';
import type { RunningServer } from '../server-process.ts';
import { median } from '../stats.ts';
import { sendText } from '../stream-client.ts';

const HUGE_BYTES = 5_000_000;

interface Pair {
  hugeMs: number;
  justOverMs: number;
}

export async function runRejectSection(
  server: RunningServer,
  contextSize: number,
  repeat: number,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: { hugeBytes: number; justOverBytes: number; pairs: Pair[] } }> {
  const body = (content: string) => JSON.stringify({ model: server.modelId, messages: [{ role: 'user', content }], max_tokens: 8 });
  const huge = body('word '.repeat(HUGE_BYTES / 5));
  // "word " is one or two tokens in any vocabulary: 1.2 × context words is over the context, not far over.
  const justOver = body('word '.repeat(Math.ceil(contextSize * 1.2)));
  const reject = async (json: string): Promise<number> => {
    const started = performance.now();
    const res = await sendText(server.endpoint, 'POST', '/v1/chat/completions', json);
    const ms = performance.now() - started;
    if (res.status !== 400 || !res.body.includes('"context_length_exceeded"')) {
      throw new Error(`expected 400 context_length_exceeded, got ${res.status}: ${res.body.slice(0, 200)}`);
    }
    return ms;
  };
  const pairs: Pair[] = [];
  for (let i = 0; i < repeat; i++) {
    // Alternating order, so neither side always runs on a warmer process.
    const [first, second] = i % 2 === 0 ? [huge, justOver] : [justOver, huge];
    const a = await reject(first);
    const b = await reject(second);
    pairs.push(i % 2 === 0 ? { hugeMs: a, justOverMs: b } : { hugeMs: b, justOverMs: a });
    progress(
      `reject ${i + 1}/${repeat}: 5 MB ${pairs.at(-1)!.hugeMs.toFixed(0)} ms, just over the context ${pairs.at(-1)!.justOverMs.toFixed(0)} ms`,
    );
  }
  const hugeMs = median(pairs.map((p) => p.hugeMs));
  const justOverMs = median(pairs.map((p) => p.justOverMs));
  const row = makeRow(
    'reject-5mb',
    'Reject an oversized prompt (400 context_length_exceeded) ms: 5 MB / just over the context',
    { label: '5 MB', value: hugeMs, unit: 'ms' },
    { label: 'just over', value: justOverMs, unit: 'ms' },
    { on: 'difference', op: '<=', value: 1000 },
    {
      note: `request bodies ${(Buffer.byteLength(huge) / 1e6).toFixed(1)} MB and ${(Buffer.byteLength(justOver) / 1e3).toFixed(0)} kB; ${repeat} pair(s), medians`,
    },
  );
  return { rows: [row], details: { hugeBytes: Buffer.byteLength(huge), justOverBytes: Buffer.byteLength(justOver), pairs } };
}
