import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRate, median, pairedRatios } from './stats.ts';

test('median of odd and even samples, ignoring NaN', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([Number.NaN, 7]), 7);
  assert.ok(Number.isNaN(median([])));
});

test('decodeRate counts the tokens after the first over the first-to-last span', () => {
  assert.equal(decodeRate(11, 1000, 2000), 10);
  assert.ok(Number.isNaN(decodeRate(1, 0, 10)));
  assert.ok(Number.isNaN(decodeRate(5, 10, 10)));
});

test('pairedRatios: median of per-pair ratios and best-vs-best', () => {
  assert.deepEqual(pairedRatios([10, 20, 30], [10, 10, 40]), { paired: 1, best: 0.75 });
});
