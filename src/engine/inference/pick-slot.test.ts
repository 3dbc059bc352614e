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

  it('reuses a large shared prefix when the tail thrown away is small next to it', () => {
    const slots = [seq(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 20), seq()];
    assert.equal(pickSlot([0, 1], slots, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 30] as Token[], [0, 0]), 0);
  });

  it('two conversations sharing a system prompt keep a slot each while one is empty (no eviction ping-pong)', () => {
    const system = Array.from({ length: 14 }, (_, i) => i + 1);
    const a = [...system, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109];
    const b = [...system, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209];
    const slots = [seq(...a), seq(), seq()];
    const forB = pickSlot([0, 1, 2], slots, b as Token[], [1, 0, 0]);
    assert.notEqual(forB, 0, "b must not evict a's tail");
    slots[forB] = seq(...b, 210);
    // Their follow-ups find their own slots again.
    assert.equal(pickSlot([0, 1, 2], slots, [...a, 110, 111] as Token[], [1, 2, 0]), 0);
    assert.equal(pickSlot([0, 1, 2], slots, [...b, 210, 211] as Token[], [1, 2, 0]), forB);
  });

  it("a conversation's follow-up or retry goes back to its slot even when the last answer is re-tokenised or dropped", () => {
    const slots = [seq(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40, 41), seq()];
    // Follow-up: the answer's last token re-tokenised differently, then the new user turn.
    assert.equal(pickSlot([0, 1], slots, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 40, 42, 50, 51] as Token[], [1, 0]), 0);
    // Retry of the same prompt: the old answer (40, 41) is what is lost.
    assert.equal(pickSlot([0, 1], slots, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as Token[], [1, 0]), 0);
  });

  it('with no empty slot, a new conversation takes the least recently used slot, keeping its shared opening', () => {
    const stale = seq(1, 2, 3, 4, 60, 61, 62, 63);
    const live = seq(1, 2, 3, 4, 70, 71);
    assert.equal(pickSlot([0, 1], [stale, live], [1, 2, 3, 4, 80] as Token[], [1, 5]), 0);
    assert.equal(pickSlot([0, 1], [live, stale], [1, 2, 3, 4, 80] as Token[], [5, 1]), 1);
  });

  it('the least recently used slot is evicted even when another holds a longer shared prefix, unless its own tail is small', () => {
    const stale = seq(9, 9, 9);
    const live = seq(1, 2, 3, 4, 5, 6, 7, 8, 70, 71, 72, 73, 74, 75);
    assert.equal(pickSlot([0, 1], [stale, live], [1, 2, 3, 4, 5, 6, 7, 8, 80] as Token[], [1, 5]), 0);
    const almostOwn = seq(1, 2, 3, 4, 5, 6, 7, 8, 70);
    assert.equal(pickSlot([0, 1], [stale, almostOwn], [1, 2, 3, 4, 5, 6, 7, 8, 80] as Token[], [1, 5]), 1);
  });

  it('breaks ties by least recent use and only picks free slots', () => {
    const slots = [seq(), seq(), seq()];
    assert.equal(pickSlot([0, 2], slots, [1] as Token[], [5, 1, 3]), 2);
  });
});
