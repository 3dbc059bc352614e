import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContextLengthExceededError, InvalidRequestError, ModelNotReadyError } from '../../src/engine/api/api-errors.ts';
import { toOpenAIError } from '../../src/engine/api/openai-error.ts';
import { createLlamaEngine } from '../../src/engine/inference/llama-engine.ts';
import type { GenerationInput, InferenceEngine } from '../../src/engine/inference/types.ts';
import { testModelPath } from '../support/test-models.ts';
import { chat, contentOf, run, sampling, startEngine, user } from './engine-fixture.ts';

const CONTEXT = 512;

describe('context limits, budgets and sampling on the tiny model', () => {
  let engine: InferenceEngine;
  before(async () => {
    engine = await startEngine('tiny', { contextSize: CONTEXT });
  });
  after(() => engine.close());

  it('refuses a prompt that does not fit with the OpenAI wording, before queueing', async () => {
    const long = 'lorem ipsum dolor sit amet '.repeat(200);
    const error = await engine.prepare(chat([user(long)])).then(
      () => assert.fail('expected an overflow error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ContextLengthExceededError);
    assert.equal(error.contextSize, CONTEXT);
    assert.ok(error.promptTokens > CONTEXT);
    const wire = toOpenAIError(error);
    assert.equal(wire.status, 400);
    assert.equal(wire.body.error.code, 'context_length_exceeded');
    assert.equal(wire.body.error.param, 'messages');
    assert.equal(
      wire.body.error.message,
      `This model's maximum context length is ${CONTEXT} tokens. However, your messages resulted in ${error.promptTokens} tokens.`,
    );
    assert.deepEqual(engine.stats(), { queueDepth: 0, queueLimit: 4, busySlots: 0, slots: 1 });
  });

  it('accepts a prompt of exactly contextSize − 1 tokens and generates one token', async () => {
    // Grow the prompt until it is one token short of the context.
    let text = '';
    let prepared = await engine.prepare({ kind: 'completion', prompt: 'a', sampling: sampling() });
    while (prepared.promptTokens < CONTEXT - 1) {
      text += ' a';
      prepared = await engine.prepare({ kind: 'completion', prompt: text, sampling: sampling() });
    }
    assert.equal(prepared.promptTokens, CONTEXT - 1);
    assert.equal(prepared.maxTokens, 1);
    const result = await engine.generate(prepared, { signal: new AbortController().signal });
    assert.equal(result.usage.completionTokens, 1);
    assert.equal(result.finishReason, 'length');
    const over = await engine.prepare({ kind: 'completion', prompt: `${text} a a`, sampling: sampling() }).catch((e: unknown) => e);
    assert.ok(over instanceof ContextLengthExceededError);
  });

  it('clamps max tokens to the remaining context and runs out with finish length', async () => {
    const input = chat([user('Tell me a long story')], { sampling: { maxTokens: 1_000_000, temperature: 0.9, seed: 3 } });
    const prepared = await engine.prepare(input);
    assert.equal(prepared.maxTokens, CONTEXT - prepared.promptTokens);
    const result = await engine.generate(prepared, { signal: new AbortController().signal });
    // The random model never ends on its own: it fills the context exactly.
    assert.equal(result.finishReason, 'length');
    assert.equal(result.usage.completionTokens, prepared.maxTokens);
    assert.equal(result.usage.promptTokens + result.usage.completionTokens, CONTEXT);
  });

  it('uses the requested budget when it fits', async () => {
    const { result, events } = await run(engine, chat([user('hi')], { sampling: { maxTokens: 7 } }));
    assert.equal(result.usage.completionTokens, 7);
    assert.equal(result.finishReason, 'length');
    assert.equal(contentOf(events), result.content);
  });

  it('is deterministic for greedy and for a fixed seed, and the seed matters', async () => {
    const at = (s: Partial<GenerationInput['sampling']>) => run(engine, chat([user('Write code')], { sampling: { maxTokens: 24, ...s } }));
    assert.equal((await at({})).result.content, (await at({})).result.content);
    const a = await at({ temperature: 1, seed: 11 });
    const b = await at({ temperature: 1, seed: 11 });
    const c = await at({ temperature: 1, seed: 12 });
    assert.equal(a.result.content, b.result.content);
    assert.notEqual(a.result.content, c.result.content);
  });

  it('applies presence and frequency penalties (output changes under strong penalties)', async () => {
    const plain = await run(engine, chat([user('Repeat')], { sampling: { maxTokens: 40 } }));
    const penalised = await run(engine, chat([user('Repeat')], { sampling: { maxTokens: 40, presencePenalty: 2, frequencyPenalty: 2 } }));
    assert.notEqual(plain.result.content, penalised.result.content);
  });

  it('raw completion: BOS per the model, prompt tokens counted, text generated', async () => {
    const prepared = await engine.prepare({ kind: 'completion', prompt: 'def main():', sampling: sampling({ maxTokens: 5 }) });
    const result = await engine.generate(prepared, { signal: new AbortController().signal });
    assert.equal(result.usage.promptTokens, prepared.promptTokens);
    assert.equal(result.usage.completionTokens, 5);
    assert.ok(result.content.length > 0);
    // The tiny model says add_bos_token: an empty prompt is just BOS, and BOS is never doubled.
    assert.equal((await engine.prepare({ kind: 'completion', prompt: '', sampling: sampling() })).promptTokens, 1);
    assert.equal((await engine.prepare({ kind: 'completion', prompt: '<s>', sampling: sampling() })).promptTokens, 1);
  });

  it('rejects an empty message list naming messages', async () => {
    await assert.rejects(engine.prepare(chat([])), (e) => e instanceof InvalidRequestError && e.param === 'messages');
  });
});

describe('slot capacity with several sequences', () => {
  it('every slot holds a full contextSize at the same time', async () => {
    const engine = await startEngine('tiny', { contextSize: 300, parallel: 3, queueLimit: 0 });
    try {
      // Different openings so the slots hold different sequences; ' a' is one token per repetition.
      const fill = async (word: string) => {
        let text = word;
        let prepared = await engine.prepare({ kind: 'completion', prompt: text, sampling: sampling() });
        while (prepared.promptTokens < 299) {
          text += ' a';
          prepared = await engine.prepare({ kind: 'completion', prompt: text, sampling: sampling() });
        }
        return prepared;
      };
      const prompts = await Promise.all(['apple', 'pear', 'plum'].map(fill));
      for (const p of prompts) assert.equal(p.promptTokens, 299);
      const results = await Promise.all(prompts.map((p) => engine.generate(p, { signal: new AbortController().signal })));
      for (const r of results) assert.equal(r.usage.promptTokens + r.usage.completionTokens, 300);
    } finally {
      await engine.close();
    }
  });
});

describe('engine lifecycle', () => {
  it('is not ready and refuses prepare() before load(); close() is idempotent', async () => {
    const engine = createLlamaEngine({
      modelPath: await testModelPath('tiny'),
      modelId: 'lifecycle',
      contextSize: 256,
      threads: 1,
      parallel: 1,
      queueLimit: 1,
      defaults: {},
    });
    assert.equal(engine.ready, false);
    assert.equal(engine.modelId, 'lifecycle');
    assert.equal(engine.contextSize, 256);
    await assert.rejects(engine.prepare(chat([user('x')])), ModelNotReadyError);
    await engine.load();
    assert.equal(engine.ready, true);
    await engine.close();
    await engine.close();
    assert.equal(engine.ready, false);
  });
});
