import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { toEvaluateOptions } from './sampling-options.ts';

const base = { temperature: 0.7, topP: 0.9, topK: 40, presencePenalty: 0, frequencyPenalty: 0, stop: [] };

describe('toEvaluateOptions', () => {
  it('passes sampling through and leaves the repeat penalty off without OpenAI penalties', () => {
    const o = toEvaluateOptions({ ...base, seed: 42 }, []);
    assert.deepEqual(o, { temperature: 0.7, topP: 0.9, topK: 40, seed: 42 });
  });

  it('draws a random seed when none is given', () => {
    const a = toEvaluateOptions(base, []).seed;
    const b = toEvaluateOptions(base, []).seed;
    assert.equal(typeof a, 'number');
    assert.notEqual(a, b);
  });

  it('maps presence/frequency penalties onto the last 64 generated tokens, multiplicative penalty off', () => {
    const generated: Token[] = Array.from({ length: 100 }, (_, i) => i as Token);
    const o = toEvaluateOptions({ ...base, presencePenalty: 0.5, frequencyPenalty: -0.25 }, generated);
    assert.equal(o.repeatPenalty?.penalty, 1);
    assert.equal(o.repeatPenalty?.presencePenalty, 0.5);
    assert.equal(o.repeatPenalty?.frequencyPenalty, -0.25);
    const punish = o.repeatPenalty?.punishTokens;
    assert.ok(typeof punish === 'function');
    assert.deepEqual(punish(), generated.slice(36));
  });
});
