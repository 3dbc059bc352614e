import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { findDraft, lookupDraft, MAX_RUN } from './prompt-lookup.ts';

const tokens = (...n: number[]) => n as Token[];
const options = { minNgram: 2, maxNgram: 4, maxDraft: 3 };

describe('prompt-lookup drafts', () => {
  it('proposes the continuation of the longest matching suffix, most recent occurrence first', () => {
    // Suffix [1 2]: occurs at 0 (→ 3 4 5) and at 5 (→ 9 ...); the 3-gram [7 1 2] only at 4 → 9 8.
    assert.deepEqual(findDraft(tokens(1, 2, 3, 4, 7, 1, 2, 9, 8, 6, 7, 1, 2), options), tokens(9, 8, 6));
    assert.deepEqual(findDraft(tokens(1, 2, 3, 4, 5, 6, 1, 2), options), tokens(3, 4, 5));
  });

  it('needs at least minNgram matching tokens and caps the draft', () => {
    assert.deepEqual(findDraft(tokens(1, 2, 3, 9, 3), options), []);
    assert.deepEqual(findDraft(tokens(1, 2, 3, 9, 3), { ...options, minNgram: 1 }), tokens(9, 3));
    assert.deepEqual(findDraft(tokens(1, 2, 3, 4, 5, 6, 1, 2), { ...options, maxDraft: 1 }), tokens(3));
    assert.deepEqual(findDraft(tokens(1, 2, 3, 4, 5, 6, 1, 2), { ...options, maxDraft: 0 }), []);
    assert.deepEqual(findDraft(tokens(), options), []);
  });

  it('says how far the match runs back: a chance n-gram is short, a copy in progress is long', () => {
    // [5 1 2] matches at 2..4 only by its n-gram; the token before differs (9 vs 8).
    assert.deepEqual(lookupDraft(tokens(9, 5, 1, 2, 3, 8, 5, 1, 2), options), { tokens: tokens(3, 8, 5), run: 3 });
    const file = Array.from({ length: 30 }, (_, i) => 100 + i);
    const copying = tokens(...file, 7, ...file.slice(0, 20));
    assert.deepEqual(lookupDraft(copying, options), { tokens: tokens(120, 121, 122), run: 20 });
    const long = Array.from({ length: 200 }, (_, i) => 1000 + i);
    assert.equal(lookupDraft(tokens(...long, ...long.slice(0, 150)), options).run, MAX_RUN);
  });
});
