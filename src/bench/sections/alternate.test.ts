import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inAlternatingOrder } from './alternate.ts';

test('inAlternatingOrder runs A first on even rounds and B first on odd ones, one at a time', async () => {
  const log: string[] = [];
  const side = (name: string) => async () => {
    log.push(`${name}+`);
    await new Promise((resolve) => setImmediate(resolve));
    log.push(`${name}-`);
  };
  for (let round = 0; round < 3; round++) await inAlternatingOrder(round, side('a'), side('b'));
  assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'b+', 'b-', 'a+', 'a-', 'a+', 'a-', 'b+', 'b-']);
});
