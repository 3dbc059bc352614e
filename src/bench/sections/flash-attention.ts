/**
 * Rows: what flash attention does to a long prefill, measured on the raw node-llama-cpp baseline with it
 * on (the engine's setting, lib/llama-context-options.ts) and off, side by side in one run: prefill speed,
 * and the resident memory the prefill leaves behind (llama.cpp keeps its attention buffers). Agent
 * prompts are long, so this is where the setting shows.
 */
import type { Progress } from '../progress.ts';
import { conversation } from '../prompts.ts';
import { type RawRunner, startRawRunner } from '../raw-runner.ts';
import { type BenchRow, makeRow } from '../report.ts';
import { median } from '../stats.ts';
import { sizeConversation } from './prefix.ts';

interface Sample {
  flashAttention: boolean;
  promptTokens: number;
  prefillTokPerSec: number;
  rssGrowthMiB: number;
}

export async function runFlashAttentionSection(
  modelPath: string,
  threads: number,
  minTokens: number,
  repeat: number,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: { samples: Sample[] } }> {
  const runners = new Map<boolean, RawRunner>();
  const samples: Sample[] = [];
  try {
    // Room for the prompt and one generated token; sized from the prompt so the window is the same on both sides.
    const contextSize = Math.ceil((minTokens * 1.25 + 256) / 256) * 256;
    for (const on of [true, false]) runners.set(on, await startRawRunner(modelPath, threads, contextSize, { flashAttention: on }));
    const shape = await sizeConversation((m) => runners.get(true)!.count(m), minTokens);
    const messages = conversation('fa', shape.turns, shape.systemRepeats);
    for (let i = 0; i < repeat; i++) {
      // Alternating order, so neither side always runs while the other has just freed the cores.
      for (const on of i % 2 === 0 ? [true, false] : [false, true]) {
        const runner = runners.get(on)!;
        const result = await runner.run(messages, 1);
        const sample = {
          flashAttention: on,
          promptTokens: result.promptTokens,
          prefillTokPerSec: result.promptTokens / (result.ttftMs / 1000),
          rssGrowthMiB: Math.max(0, result.rssBytes - runner.loadRssBytes) / 2 ** 20,
        };
        samples.push(sample);
        progress(
          `flash attention ${on ? 'on ' : 'off'} ${i + 1}/${repeat}: ${sample.promptTokens} tokens at ${sample.prefillTokPerSec.toFixed(1)} tok/s, +${sample.rssGrowthMiB.toFixed(0)} MiB`,
        );
      }
    }
  } finally {
    for (const runner of runners.values()) await runner.close().catch(() => undefined);
  }
  const side = (on: boolean, key: 'prefillTokPerSec' | 'rssGrowthMiB') =>
    median(samples.filter((s) => s.flashAttention === on).map((s) => s[key]));
  const tokens = samples[0]?.promptTokens ?? 0;
  return {
    rows: [
      makeRow(
        'fa-prefill',
        `Prefill tok/s of a ${tokens}-token prompt (raw llama.cpp): flash attention on / off`,
        { label: 'on', value: side(true, 'prefillTokPerSec'), unit: 'tok/s' },
        { label: 'off', value: side(false, 'prefillTokPerSec'), unit: 'tok/s' },
        { on: 'ratio', op: '>=', value: 0.97 },
        { note: `${repeat} run(s) per side, alternating, medians` },
      ),
      makeRow(
        'fa-memory',
        `Resident memory left by that prefill (MiB above the loaded model): flash attention on / off`,
        { label: 'on', value: side(true, 'rssGrowthMiB'), unit: 'MiB' },
        { label: 'off', value: side(false, 'rssGrowthMiB'), unit: 'MiB' },
        { on: 'ratio', op: '<=', value: 1 },
      ),
    ],
    details: { samples },
  };
}
