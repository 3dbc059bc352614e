/**
 * Plain decoding against speculation with several max draft lengths, in one run: engines loaded side by
 * side, the order rotated and reversed each round, ratio of each run to the plain run of the same round,
 * and the output of every variant checked identical to plain (greedy). For choosing `max_draft`:
 *   node tools/bench-speculative-drafts.ts [case id=spec-copy] [max drafts=16,32] [rounds=7] [tokens=128]
 */
import { generatedModelPath, modelCacheDir } from '../src/bench/bench-model.ts';
import { stderrProgress } from '../src/bench/progress.ts';
import { copyModelPath, speculativeCases } from '../src/bench/sections/speculative.ts';
import { median } from '../src/bench/stats.ts';
import { createLlamaEngine } from '../src/engine/inference/llama-engine.ts';
import { DEFAULT_SPECULATION } from '../src/engine/inference/speculative-decode.ts';
import type { GenerationResult } from '../src/engine/inference/types.ts';
import { defaultThreadCount } from '../src/lib/usable-cpus.ts';

const [caseId = 'spec-copy', drafts = '16,32', rounds = '7', tokens = '128'] = process.argv.slice(2);
const dir = modelCacheDir(process.env);
const cases = speculativeCases(
  await copyModelPath(dir, stderrProgress),
  await generatedModelPath('bench', dir, stderrProgress),
  Number(tokens),
);
const c = cases.find((x) => x.id === caseId);
if (c === undefined) throw new Error(`unknown case ${caseId}; one of ${cases.map((x) => x.id).join(', ')}`);
const threads = defaultThreadCount();
const config = { modelPath: c.modelPath, modelId: c.id, contextSize: 4096, threads, parallel: 1, queueLimit: 1, defaults: {} };
const variants = [0, ...drafts.split(',').map(Number)];
const engines = variants.map((d) =>
  createLlamaEngine({ ...config, speculation: { ...DEFAULT_SPECULATION, enabled: d > 0, maxDraft: Math.max(1, d) } }),
);
const rate = (r: GenerationResult) => ((r.usage.completionTokens - 1) * 1000) / r.timings.generationMs;
const generate = async (i: number) => {
  const e = engines[i]!;
  return e.generate(await e.prepare(c.input), { signal: new AbortController().signal });
};
try {
  for (const e of engines) await e.load();
  for (let i = 0; i < engines.length; i++) await generate(i);
  const rates: number[][] = variants.map(() => []);
  const ratios: number[][] = variants.map(() => []);
  const accepted = variants.map(() => 0);
  const drafted = variants.map(() => 0);
  for (let r = 0; r < Number(rounds); r++) {
    const order = variants.map((_, i) => (i + r) % variants.length);
    if (r % 2 === 1) order.reverse();
    const out: GenerationResult[] = [];
    for (const i of order) out[i] = await generate(i);
    const plain = out[0]!;
    for (let i = 0; i < variants.length; i++) {
      const o = out[i]!;
      if (o.content !== plain.content) throw new Error(`max draft ${variants[i]}: output differs from plain`);
      rates[i]!.push(rate(o));
      ratios[i]!.push(rate(o) / rate(plain));
      accepted[i]! += o.speculation?.acceptedTokens ?? 0;
      drafted[i]! += o.speculation?.draftedTokens ?? 0;
    }
    stderrProgress(`round ${r + 1}/${rounds}`);
  }
  const generated = Number(rounds) * (c.input.sampling.maxTokens ?? 0);
  process.stdout.write(`${c.label}, ${threads} thread(s), ${rounds} rounds, output identical to plain in every round\n\n`);
  process.stdout.write(
    '| max draft | median tok/s | median ratio to plain (same round) | accepted / drafted | share of output from drafts |\n|---|---|---|---|---|\n',
  );
  for (let i = 0; i < variants.length; i++) {
    const share = generated > 0 ? `${((100 * accepted[i]!) / generated).toFixed(0)} %` : '';
    process.stdout.write(
      `| ${variants[i] === 0 ? 'plain' : variants[i]} | ${median(rates[i]!).toFixed(1)} | ${median(ratios[i]!).toFixed(3)} | ${accepted[i]}/${drafted[i]} | ${i === 0 ? '' : share} |\n`,
    );
  }
} finally {
  for (const e of engines) await e.close();
}
