import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTO_CONTEXT_MAX, type ContextWindowInput, chooseContextWindow } from './context-window.ts';

const GiB = 1024 ** 3;
/** Devstral Small 2 24B Q4_K_M: ~14.3 GB of weights, 160 KiB of f16 KV per token, trained for 262,144. */
const devstral = (memoryGiB: number, extra: Partial<ContextWindowInput> = {}) =>
  chooseContextWindow({
    memoryBytes: memoryGiB * GiB,
    weightsBytes: 14.3e9,
    kvBytesPerToken: 160 * 1024,
    trainContext: 262144,
    parallel: 1,
    ...extra,
  });

describe('chooseContextWindow', () => {
  it('gives Devstral the largest 4096-step window the RAM holds beside the weights', () => {
    // (24 GiB − 14.3 GB − 1.5 GiB reserve) / 160 KiB = 60,175 tokens → 57,344.
    assert.deepEqual(devstral(24), { contextSize: 57344, limitedBy: 'memory', fitsTokens: 60175, warning: undefined });
    assert.equal(devstral(32).contextSize, 110592);
    assert.equal(devstral(20).contextSize, 32768);
  });

  it('stops at the ceiling on a large VM, and at the training context of a small model', () => {
    assert.deepEqual([devstral(128).contextSize, devstral(128).limitedBy], [AUTO_CONTEXT_MAX, 'ceiling']);
    const small = chooseContextWindow({ memoryBytes: 16 * GiB, weightsBytes: 1e9, kvBytesPerToken: 512, trainContext: 4096, parallel: 1 });
    assert.deepEqual([small.contextSize, small.limitedBy], [4096, 'training']);
    assert.match(small.warning ?? '', /^context window 4096 tokens: the model was trained for 4096 tokens\. Cline needs about 16k tokens/);
  });

  it("respects the model definition's context_size as an upper bound", () => {
    assert.deepEqual([devstral(64, { cap: 40000 }).contextSize, devstral(64, { cap: 40000 }).limitedBy], [40000, 'definition']);
  });

  it('shares the budget between slots', () => {
    assert.equal(devstral(32, { parallel: 2 }).contextSize, 53248);
  });

  it('warns with the figures when the RAM holds less than 32k, and never goes below 4096', () => {
    const tight = devstral(18);
    assert.equal(tight.contextSize, 20480);
    assert.equal(
      tight.warning,
      'context window 20480 tokens: only 3.2 GiB of RAM is left for the KV cache beside the 13.3 GiB model at 160.0 KiB per token: ' +
        'give the machine more RAM or serve a smaller model. Cline needs about 16k tokens (its opening request is ~6k and every tool result adds to it); 32k is comfortable.',
    );
    const starved = devstral(15);
    assert.deepEqual([starved.contextSize, starved.fitsTokens], [4096, 1193]);
    assert.match(starved.warning ?? '', /only 0\.2 GiB of RAM is left/);
  });
});
