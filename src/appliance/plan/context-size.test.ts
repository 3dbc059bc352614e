import assert from 'node:assert/strict';
import { it } from 'node:test';
import { autoContextSize } from './context-size.ts';

const GiB = 1024 ** 3;

it('sizes the context from RAM: at least 16384 when memory allows, capped at 65536', () => {
  // Devstral Small 2 Q4_K_M is ~14 GB.
  assert.equal(autoContextSize(32 * GiB, 14 * GiB, undefined), 65536);
  assert.equal(autoContextSize(20 * GiB, 14 * GiB, undefined), 16384);
  assert.equal(autoContextSize(24 * GiB, 14 * GiB, undefined), 32768);
  // 18 − 14 − 1.5 GiB reserve = 2.5 GiB = exactly 16384 tokens of KV.
  assert.equal(autoContextSize(18 * GiB, 14 * GiB, undefined), 16384);
  // Tight machines still get a usable window rather than zero.
  assert.equal(autoContextSize(15 * GiB, 14 * GiB, undefined), 4096);
});

it('never exceeds what the model definition asks for', () => {
  assert.equal(autoContextSize(64 * GiB, 1 * GiB, 4096), 4096);
  assert.equal(autoContextSize(64 * GiB, 1 * GiB, 40000), 40000);
});
