import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Token } from 'node-llama-cpp';
import type { PromptSegment } from '../chat/special-text-guard.ts';
import { minimumTokens, tokenizeWithinBudget } from './token-budget.ts';

// A stand-in tokenizer: one token per 2-byte piece, so a 4-byte "longest token" bound is sound for it.
function pairs(calls: string[]) {
  return (s: PromptSegment): Token[] => {
    calls.push(s.text);
    return Array.from({ length: Math.ceil(Buffer.byteLength(s.text) / 2) }, (_, i) => i as Token);
  };
}
const seg = (text: string): PromptSegment => ({ text, literal: false });

test('the bound counts UTF-8 bytes, not UTF-16 units, and is 0 without a vocabulary bound', () => {
  assert.equal(minimumTokens('abcd', 4), 1);
  assert.equal(minimumTokens('abcde', 4), 2);
  assert.equal(minimumTokens('é€😀', 4), 3); // 2 + 3 + 4 bytes
  assert.equal(minimumTokens('x'.repeat(10_000), undefined), 0);
});

test('a prompt whose length alone cannot fit is rejected without tokenizing anything', () => {
  const calls: string[] = [];
  const r = tokenizeWithinBudget([seg('a'.repeat(4000)), seg('b'.repeat(4000))], 1000, pairs(calls), 4);
  assert.deepEqual(r, { fits: false, atLeast: 2000, exact: false });
  assert.deepEqual(calls, []);
});

test('tokenizing stops at the first segment that proves the overflow', () => {
  const calls: string[] = [];
  // Bound 250 + 250 + 250 = 750 ≤ 1000, but the first segment is really 500 tokens: 500 + 500 > 1000.
  const r = tokenizeWithinBudget([seg('a'.repeat(1000)), seg('b'.repeat(1000)), seg('c'.repeat(1000))], 1000, pairs(calls), 4);
  assert.deepEqual(r, { fits: false, atLeast: 1250, exact: false });
  assert.equal(calls.length, 2);
});

test('a fitting prompt is tokenized whole, in order; an overflow found on the last segment is exact', () => {
  const calls: string[] = [];
  const fits = tokenizeWithinBudget([seg('ab'), seg('cdef')], 3, pairs(calls), 4);
  assert.deepEqual(fits, { fits: true, tokens: [0, 0, 1] });
  assert.deepEqual(calls, ['ab', 'cdef']);
  assert.deepEqual(tokenizeWithinBudget([seg('ab'), seg('cdef')], 2, pairs([]), 4), { fits: false, atLeast: 3, exact: true });
});

test('more than a call stack of tokens from one segment', () => {
  const r = tokenizeWithinBudget([seg('x'.repeat(600_000))], Number.POSITIVE_INFINITY, pairs([]), undefined);
  assert.equal(r.fits && r.tokens.length, 300_000);
});
