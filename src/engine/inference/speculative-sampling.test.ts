import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { createRng } from '../../modelgen/prng.ts';
import { sampleFrom, verifyDraftToken } from './speculative-sampling.ts';

const t = (n: number) => n as Token;

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: ReadonlyMap<Token, number>, p: ReadonlyMap<Token, number>, n: number): number {
  let x2 = 0;
  for (const [token, prob] of p) {
    const expected = prob * n;
    const observed = counts.get(token) ?? 0;
    x2 += (observed - expected) ** 2 / expected;
  }
  for (const token of counts.keys()) assert.ok(p.has(token), `sampled ${token}, which has probability 0`);
  return x2;
}

function outputCounts(p: Map<Token, number>, draft: Token | undefined, n: number, seed: number): Map<Token, number> {
  const rng = createRng(seed);
  const counts = new Map<Token, number>();
  for (let i = 0; i < n; i++) {
    const verdict = verifyDraftToken(p, draft, rng);
    assert.ok(verdict !== undefined);
    assert.equal(verdict.accepted, verdict.token === draft);
    counts.set(verdict.token, (counts.get(verdict.token) ?? 0) + 1);
  }
  return counts;
}

// 99.9th percentile of chi-square with 3 degrees of freedom.
const CHI2_3DF_999 = 16.27;

describe('speculative-sampling rule for a deterministic draft', () => {
  const p = new Map<Token, number>([
    [t(1), 0.5],
    [t(2), 0.3],
    [t(3), 0.15],
    [t(4), 0.05],
  ]);

  it('keeps the distribution whatever the draft token is (chi-square, seeded)', () => {
    const n = 20000;
    for (const [i, draft] of [t(1), t(2), t(4), t(9), undefined].entries()) {
      const x2 = chiSquare(outputCounts(p, draft, n, 1000 + i), p, n);
      assert.ok(x2 < CHI2_3DF_999, `draft ${draft}: chi-square ${x2.toFixed(1)}`);
    }
  });

  it('the check rejects a wrong rule: resampling from p instead of the residual is caught', () => {
    // Wrong rule: accept with p(d), otherwise sample from all of p → d is over-represented.
    const n = 20000;
    const rng = createRng(7);
    const counts = new Map<Token, number>();
    for (let i = 0; i < n; i++) {
      const d = t(2);
      const token = rng() < (p.get(d) ?? 0) ? d : (sampleFrom(p, rng) as Token);
      counts.set(token, (counts.get(token) ?? 0) + 1);
    }
    assert.ok(chiSquare(counts, p, n) > CHI2_3DF_999);
  });

  it('accepts a draft with certainty when p puts all mass on it, never when p excludes it', () => {
    const rng = createRng(3);
    assert.deepEqual(verifyDraftToken(new Map([[t(5), 1]]), t(5), rng), { token: t(5), accepted: true });
    for (let i = 0; i < 100; i++) assert.equal(verifyDraftToken(p, t(9), rng)?.accepted, false);
    assert.equal(verifyDraftToken(new Map(), t(1), rng), undefined);
  });
});
