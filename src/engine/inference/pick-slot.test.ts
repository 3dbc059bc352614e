import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { pickSlot } from './llama-engine.ts';

const seq = (...tokens: number[]) => ({ contextTokens: tokens as Token[] });

describe('pickSlot', () => {
  it('prefers the slot holding the longest prefix of the prompt', () => {
    const slots = [seq(1, 2, 9), seq(1, 2, 3, 4), seq()];
    assert.equal(pickSlot([0, 1, 2], slots, [1, 2, 3, 4, 5] as Token[], [0, 0, 0]), 1);
  });

  it('does not evict a long conversation for a short shared opening when an empty slot is free', () => {
    const slots = [seq(1, 2, 3, 4, 5, 6, 7, 8), seq()];
    assert.equal(pickSlot([0, 1], slots, [1, 2, 9, 9] as Token[], [0, 0]), 1);
  });

  it('reuses a large shared prefix even if a shorter tail is thrown away', () => {
    const slots = [seq(1, 2, 3, 4, 5, 6, 7, 8, 20, 21), seq()];
    assert.equal(pickSlot([0, 1], slots, [1, 2, 3, 4, 5, 6, 7, 8, 30] as Token[], [0, 0]), 0);
  });

  it('breaks ties by least recent use and only picks free slots', () => {
    const slots = [seq(), seq(), seq()];
    assert.equal(pickSlot([0, 2], slots, [1] as Token[], [5, 1, 3]), 2);
  });
});
