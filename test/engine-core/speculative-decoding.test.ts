import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SPECULATION } from '../../src/engine/inference/speculative-decode.ts';
import type { InferenceEngine } from '../../src/engine/inference/types.ts';
import { chat, contentOf, run, startEngine, user } from './engine-fixture.ts';

/** A file an edit re-emits: the scripted model writes it again and again (repeat), so every pass after the first is a copy. */
const FILE_TEXT = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const OFF = { ...DEFAULT_SPECULATION, enabled: false };
const ON = { ...DEFAULT_SPECULATION, enabled: true };

describe('prompt-lookup speculative decoding on real llama.cpp', () => {
  const engines: InferenceEngine[] = [];
  after(() => Promise.all(engines.map((e) => e.close())));
  let scriptedOn: InferenceEngine;
  let scriptedOff: InferenceEngine;
  let tinyOn: InferenceEngine;
  let tinyOff: InferenceEngine;
  before(async () => {
    const model = { text: FILE_TEXT, repeat: true };
    scriptedOn = await startEngine('scripted', { model, speculation: ON });
    scriptedOff = await startEngine('scripted', { model, speculation: OFF });
    tinyOn = await startEngine('tiny', { speculation: ON });
    tinyOff = await startEngine('tiny', { speculation: OFF });
    engines.push(scriptedOn, scriptedOff, tinyOn, tinyOff);
  });

  it('greedy output on a copy-heavy edit is identical, with most tokens accepted from drafts', async () => {
    const input = chat([user(`Rewrite this file:\n${FILE_TEXT}`)], { sampling: { maxTokens: 300 } });
    const plain = await run(scriptedOff, input);
    const fast = await run(scriptedOn, input);
    assert.equal(plain.result.speculation, undefined);
    assert.equal(contentOf(fast.events), contentOf(plain.events));
    assert.equal(fast.result.content, plain.result.content);
    assert.equal(fast.result.usage.completionTokens, 300);
    assert.equal(fast.result.finishReason, plain.result.finishReason);
    assert.ok(plain.result.content.startsWith(FILE_TEXT + FILE_TEXT), 'the scripted model copies the file');
    const stats = fast.result.speculation;
    assert.ok(stats !== undefined);
    assert.ok(stats.acceptedTokens > 200, `accepted ${stats.acceptedTokens} of ${stats.draftedTokens} drafted`);
  });

  it('greedy output of the random model is identical with and without speculation, drafts or not', async () => {
    for (const prompt of ['a b c a b c a b c a b', 'The quick brown fox jumps over the lazy dog. '.repeat(6), 'Hello']) {
      const input = chat([user(prompt)], { sampling: { maxTokens: 200 } });
      const plain = await run(tinyOff, input);
      const fast = await run(tinyOn, input);
      assert.equal(fast.result.content, plain.result.content, `prompt ${JSON.stringify(prompt)}`);
      assert.equal(fast.result.usage.completionTokens, plain.result.usage.completionTokens);
      assert.ok(fast.result.speculation !== undefined);
    }
  });

  it('completions with stop strings and a budget end where the plain loop ends', async () => {
    const base = { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0 };
    for (const sampling of [
      { ...base, stop: ['b: number'], maxTokens: 100 },
      { ...base, stop: [], maxTokens: 7 },
      { ...base, stop: [], maxTokens: 120, presencePenalty: 0.5, frequencyPenalty: 0.3 },
    ]) {
      const input = chat([user(`Rewrite this file:\n${FILE_TEXT}`)], { sampling });
      const plain = await run(scriptedOff, input);
      const fast = await run(scriptedOn, input);
      assert.equal(fast.result.content, plain.result.content);
      assert.equal(fast.result.finishReason, plain.result.finishReason);
      assert.equal(fast.result.usage.completionTokens, plain.result.usage.completionTokens);
    }
  });

  it('the sequence holds exactly prompt + output afterwards, so the next turn reuses it', async () => {
    const input = chat([user(`Rewrite this file:\n${FILE_TEXT}`)], { sampling: { maxTokens: 150 } });
    const first = await run(scriptedOn, input);
    const again = await run(scriptedOn, input);
    assert.equal(again.result.content, first.result.content);
    assert.equal(again.result.usage.cachedTokens, again.result.usage.promptTokens - 1);
  });
});
