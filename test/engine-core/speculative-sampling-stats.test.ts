import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { DEFAULT_SPECULATION, type DraftSource } from '../../src/engine/inference/speculative-decode.ts';
import type { GenerationInput, InferenceEngine } from '../../src/engine/inference/types.ts';
import { sampling, startEngine } from './engine-fixture.ts';

const RUNS = 1500;
const PROMPT = 'The quick brown fox';
// 99.9th percentiles of chi-square, by degrees of freedom.
const CHI2_999 = [0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59];

/** Pearson's chi-square test of homogeneity for two samples of equal size. */
function homogeneity(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): { x2: number; df: number } {
  const keys = new Set([...a.keys(), ...b.keys()]);
  let x2 = 0;
  for (const k of keys) {
    const oa = a.get(k) ?? 0;
    const ob = b.get(k) ?? 0;
    const expected = (oa + ob) / 2;
    x2 += (oa - expected) ** 2 / expected + (ob - expected) ** 2 / expected;
  }
  return { x2, df: keys.size - 1 };
}

/**
 * The first generated token is where a draft is verified. The draft is the model's most likely token (its
 * greedy choice), which has a probability well inside (0, 1) at this temperature: a rule that accepts too
 * often, or resamples the rejected draft, shifts its share and fails the test.
 */
describe('sampling with temperature keeps its distribution under speculation (tiny model, seeded)', () => {
  let on: InferenceEngine;
  let off: InferenceEngine;
  let proposer: DraftSource = () => [];
  before(async () => {
    on = await startEngine(
      'tiny',
      { speculation: { ...DEFAULT_SPECULATION, enabled: true } },
      { proposeDraft: (h, max) => proposer(h, max) },
    );
    off = await startEngine('tiny', { speculation: { ...DEFAULT_SPECULATION, enabled: false } });
  });
  after(() => Promise.all([on.close(), off.close()]));

  async function firstTokenTexts(engine: InferenceEngine, input: (seed: number) => GenerationInput) {
    const counts = new Map<string, number>();
    let drafts = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const result = await engine.generate(await engine.prepare(input(seed)), { signal: new AbortController().signal });
      drafts += result.speculation?.drafts ?? 0;
      counts.set(result.content, (counts.get(result.content) ?? 0) + 1);
    }
    return { counts, drafts };
  }

  it('the first token, verified against a draft of the likeliest token, has the plain distribution', async () => {
    // The greedy first token, read from the history the draft source sees at the second step.
    const greedy = { kind: 'completion', prompt: PROMPT, sampling: sampling({ maxTokens: 2 }) } as const;
    const histories: Token[][] = [];
    proposer = (history) => {
      histories.push([...history]);
      return [];
    };
    const promptTokens = (await on.prepare(greedy)).promptTokens;
    const greedyText = (await on.generate(await on.prepare(greedy), { signal: new AbortController().signal })).content;
    const likeliest = histories.at(-1)?.[promptTokens];
    assert.ok(likeliest !== undefined);
    proposer = () => [likeliest];

    const input = (seed: number): GenerationInput => ({
      kind: 'completion',
      prompt: PROMPT,
      sampling: sampling({ temperature: 1, topK: 6, seed, maxTokens: 1 }),
    });
    const plain = await firstTokenTexts(off, input);
    const speculative = await firstTokenTexts(on, input);
    assert.equal(speculative.drafts, RUNS, 'every run verified the draft');
    // With maxTokens 1 the content is the first token's text; the greedy text starts with the likeliest one's.
    const draftText = [...plain.counts.keys()].filter((k) => k !== '' && greedyText.startsWith(k)).sort((a, b) => b.length - a.length)[0];
    const share = (plain.counts.get(draftText ?? '') ?? 0) / RUNS;
    assert.ok(share > 0.15 && share < 0.85, `the draft's probability ${share} leaves room for a wrong rule to show`);
    const { x2, df } = homogeneity(plain.counts, speculative.counts);
    assert.ok(df >= 2 && df < CHI2_999.length, `categories: ${JSON.stringify([...plain.counts])}`);
    assert.ok(
      x2 < (CHI2_999[df] as number),
      `chi-square ${x2.toFixed(1)} with ${df} df: ${JSON.stringify([...plain.counts])} vs ${JSON.stringify([...speculative.counts])}`,
    );
  });

  it('a step without a draft (sampled by llama.cpp, seeded from our generator each step) has the plain distribution', async () => {
    proposer = () => [];
    // Two tokens: the second step's seed comes from the generator after the first, so a fixed or reused seed shows.
    const input = (seed: number): GenerationInput => ({
      kind: 'completion',
      prompt: PROMPT,
      sampling: sampling({ temperature: 1, topK: 6, seed, maxTokens: 2 }),
    });
    const plain = await firstTokenTexts(off, input);
    const speculative = await firstTokenTexts(on, input);
    assert.equal(speculative.drafts, 0);
    const { x2, df } = homogeneity(plain.counts, speculative.counts);
    // Two tokens from six candidates each: many categories; compare the 10 most frequent, the rest pooled.
    const top = [...plain.counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 9)
      .map(([k]) => k);
    const pool = (m: ReadonlyMap<string, number>) => {
      const out = new Map<string, number>();
      for (const [k, v] of m) out.set(top.includes(k) ? k : '(other)', (out.get(top.includes(k) ? k : '(other)') ?? 0) + v);
      return out;
    };
    const pooled = homogeneity(pool(plain.counts), pool(speculative.counts));
    assert.ok(pooled.df >= 2 && pooled.df < CHI2_999.length, `categories: ${pooled.df + 1} (all: ${df + 1}, x2 ${x2.toFixed(1)})`);
    assert.ok(
      pooled.x2 < (CHI2_999[pooled.df] as number),
      `chi-square ${pooled.x2.toFixed(1)} with ${pooled.df} df: ${JSON.stringify([...pool(plain.counts)])} vs ${JSON.stringify([...pool(speculative.counts)])}`,
    );
  });
});
