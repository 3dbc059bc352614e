/**
 * Speculative decode rows: prompt-lookup speculation on vs off, in-process engines side by side on the
 * same model, runs alternating (on, off, off, on, …), greedy, ratio of medians. Both outputs must be
 * identical (the row fails otherwise). Cases:
 *  (a) a copy-heavy edit: the scripted model re-emits a file it was shown, over and over (repeat), so
 *      after its first pass every token is a copy — an upper bound;
 *  (b) the random bench model on the decode prompt: text that practically never repeats — the cost of
 *      drafting when nothing matches.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createLlamaEngine } from '../../engine/inference/llama-engine.ts';
import { DEFAULT_SPECULATION } from '../../engine/inference/speculative-decode.ts';
import type { GenerationInput, GenerationResult, InferenceEngine } from '../../engine/inference/types.ts';
import { GENERATOR_VERSION, makeModel } from '../../modelgen/make-model.ts';
import type { Progress } from '../progress.ts';
import { decodeMessages } from '../prompts.ts';
import { type BenchRow, makeRow } from '../report.ts';
import { median, pairedRatios } from '../stats.ts';
import { inAlternatingOrder } from './alternate.ts';

/** The file the copy-heavy case edits (~100 tokens with the generated tokenizer). */
export const COPY_FILE = [
  'export function parsePort(text: string): number {',
  '  const port = Number.parseInt(text, 10);',
  '  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad port ${text}`);',
  '  return port;',
  '}',
  '',
].join('\n');

export async function copyModelPath(cacheDir: string, progress: Progress): Promise<string> {
  const out = path.join(cacheDir, `scripted-copy-v${GENERATOR_VERSION}.gguf`);
  if (existsSync(out)) return out;
  progress(`generating the copy-edit scripted model into ${out} (once)…`);
  await makeModel({ kind: 'scripted', out, text: COPY_FILE, repeat: true });
  return out;
}

export interface SpeculativeCase {
  id: string;
  label: string;
  modelPath: string;
  input: GenerationInput;
  target: number;
}

export interface SpeculativeSample {
  on: number[];
  off: number[];
  identical: number;
  accepted: number;
  drafted: number;
  drafts: number;
}

const rate = (r: GenerationResult) => ((r.usage.completionTokens - 1) * 1000) / r.timings.generationMs;

async function generate(engine: InferenceEngine, input: GenerationInput): Promise<GenerationResult> {
  return engine.generate(await engine.prepare(input), { signal: new AbortController().signal });
}

export function speculativeCases(copyModel: string, benchModel: string, tokens: number): SpeculativeCase[] {
  const greedy = { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, stop: [], maxTokens: tokens };
  return [
    {
      id: 'spec-copy',
      label: '(a) copy-heavy edit, scripted model',
      modelPath: copyModel,
      input: {
        kind: 'chat',
        messages: [{ role: 'user', content: `Rewrite this file unchanged:\n${COPY_FILE}` }],
        tools: [],
        toolChoice: { type: 'auto' },
        responseFormat: { type: 'text' },
        // Long enough that the copies, not the scripted model's first pass, dominate.
        sampling: { ...greedy, maxTokens: Math.max(4 * tokens, 96) },
      },
      target: 1.8,
    },
    {
      id: 'spec-nomatch',
      label: '(b) no matches, random bench model',
      modelPath: benchModel,
      input: {
        kind: 'chat',
        messages: decodeMessages('spec'),
        tools: [],
        toolChoice: { type: 'auto' },
        responseFormat: { type: 'text' },
        sampling: greedy,
      },
      target: 0.97,
    },
  ];
}

export async function measureSpeculativeCase(
  c: SpeculativeCase,
  threads: number,
  contextSize: number,
  repeat: number,
  progress: Progress,
  maxDraft = DEFAULT_SPECULATION.maxDraft,
): Promise<SpeculativeSample> {
  const config = { modelPath: c.modelPath, modelId: c.id, contextSize, threads, parallel: 1, queueLimit: 1, defaults: {} };
  const on = createLlamaEngine({ ...config, speculation: { ...DEFAULT_SPECULATION, enabled: true, maxDraft } });
  const off = createLlamaEngine({ ...config, speculation: { ...DEFAULT_SPECULATION, enabled: false } });
  const sample: SpeculativeSample = { on: [], off: [], identical: 0, accepted: 0, drafted: 0, drafts: 0 };
  try {
    await on.load();
    await off.load();
    await generate(on, c.input);
    await generate(off, c.input);
    for (let i = 0; i < repeat; i++) {
      let a: GenerationResult | undefined;
      let b: GenerationResult | undefined;
      await inAlternatingOrder(
        i,
        async () => {
          a = await generate(on, c.input);
        },
        async () => {
          b = await generate(off, c.input);
        },
      );
      if (a === undefined || b === undefined) throw new Error('a run did not finish');
      sample.on.push(rate(a));
      sample.off.push(rate(b));
      if (a.content === b.content && a.usage.completionTokens === b.usage.completionTokens) sample.identical++;
      sample.accepted += a.speculation?.acceptedTokens ?? 0;
      sample.drafted += a.speculation?.draftedTokens ?? 0;
      sample.drafts += a.speculation?.drafts ?? 0;
      progress(`${c.id} ${i + 1}/${repeat}: on ${sample.on.at(-1)?.toFixed(1)} tok/s, off ${sample.off.at(-1)?.toFixed(1)} tok/s`);
    }
  } finally {
    await on.close();
    await off.close();
  }
  return sample;
}

export function speculativeRow(c: SpeculativeCase, s: SpeculativeSample, repeat: number): BenchRow {
  const alt = pairedRatios(s.on, s.off);
  const allIdentical = s.identical === repeat;
  const row = makeRow(
    c.id,
    `Speculative decode tok/s ÷ plain, greedy: ${c.label}`,
    { label: 'speculative', value: median(s.on), unit: 'tok/s' },
    { label: 'plain', value: median(s.off), unit: 'tok/s' },
    { on: 'ratio', op: '>=', value: c.target },
    {
      note: [
        `greedy output identical in ${s.identical}/${repeat} pairs`,
        `${s.accepted}/${s.drafted} drafted tokens accepted over ${s.drafts} drafts`,
        `median of per-pair ratios ${alt.paired.toFixed(3)}`,
      ].join('; '),
    },
  );
  // Different output is a correctness failure, whatever the speed.
  return allIdentical ? row : { ...row, ok: false };
}

export async function runSpeculativeSection(
  cases: SpeculativeCase[],
  threads: number,
  contextSize: number,
  repeat: number,
  progress: Progress,
  maxDraft = DEFAULT_SPECULATION.maxDraft,
): Promise<{ rows: BenchRow[]; details: Record<string, SpeculativeSample> }> {
  const rows: BenchRow[] = [];
  const details: Record<string, SpeculativeSample> = {};
  for (const c of cases) {
    const s = await measureSpeculativeCase(c, threads, contextSize, repeat, progress, maxDraft);
    rows.push(speculativeRow(c, s, repeat));
    details[c.id] = s;
  }
  return { rows, details };
}
