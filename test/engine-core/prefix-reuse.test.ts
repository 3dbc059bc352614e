import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../src/engine/inference/types.ts';
import { chat, run, startEngine, user } from './engine-fixture.ts';

const SYSTEM: ChatMessage = { role: 'system', content: 'You are a careful coding agent. '.repeat(12) };

describe('prompt-prefix reuse', () => {
  it('a follow-up turn evaluates only the new tail and answers exactly like a cold run', async () => {
    const warm = await startEngine('tiny', { contextSize: 2048 });
    const cold = await startEngine('tiny', { contextSize: 2048 });
    try {
      const turn1 = [SYSTEM, user('List the files in src and explain them.')];
      const first = await run(warm, chat(turn1, { sampling: { maxTokens: 24 } }));
      assert.equal(first.result.usage.cachedTokens, 0);
      const prompt1 = first.result.usage.promptTokens;

      const turn2: ChatMessage[] = [
        ...turn1,
        { role: 'assistant', content: first.result.content },
        user('Now write a test for the parser.'),
      ];
      const second = await run(warm, chat(turn2, { sampling: { maxTokens: 24 } }));
      const processed = second.events.find((e) => e.type === 'prompt-processed');
      assert.ok(processed?.type === 'prompt-processed');
      assert.equal(processed.cachedTokens, second.result.usage.cachedTokens);
      assert.ok(second.result.usage.cachedTokens >= prompt1, `cached ${second.result.usage.cachedTokens} < first prompt ${prompt1}`);
      assert.ok(second.result.usage.cachedTokens < second.result.usage.promptTokens);

      const reference = await run(cold, chat(turn2, { sampling: { maxTokens: 24 } }));
      assert.equal(reference.result.usage.cachedTokens, 0);
      assert.equal(reference.result.usage.promptTokens, second.result.usage.promptTokens);
      assert.equal(second.result.content, reference.result.content);

      // Resending the identical prompt reuses all but the last token (logits are needed to sample).
      const again = await run(warm, chat(turn2, { sampling: { maxTokens: 24 } }));
      assert.equal(again.result.usage.cachedTokens, again.result.usage.promptTokens - 1);
      assert.equal(again.result.content, reference.result.content);

      // A prompt that diverges early keeps only the common part and still answers like a cold run.
      const diverged = [SYSTEM, user('Something else entirely.')];
      const d = await run(warm, chat(diverged, { sampling: { maxTokens: 24 } }));
      const dCold = await run(cold, chat(diverged, { sampling: { maxTokens: 24 } }));
      assert.ok(d.result.usage.cachedTokens > 0 && d.result.usage.cachedTokens < prompt1);
      assert.equal(d.result.content, dCold.result.content);
    } finally {
      await warm.close();
      await cold.close();
    }
  });
});
