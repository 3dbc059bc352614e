/**
 * Prompts far larger than the context (megabytes, thousands of messages or tools) on the real engine
 * over HTTP: each is the 400 `context_length_exceeded` Cline compacts on, never a 500, and up to the body
 * limit. The length bound behind the fast rejection is checked against the real tokenizer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { loadModelRuntime, type ModelRuntime } from '../../src/engine/inference/model-runtime.ts';
import { createModelVocab } from '../../src/engine/inference/model-vocab.ts';
import { minimumTokens } from '../../src/engine/inference/token-budget.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/lib/request-limits.ts';
import { type RealServer, startRealServer } from '../support/real-server.ts';
import { testModelPath } from '../support/test-models.ts';

const CONTEXT = 8192;
const OVERFLOW = new RegExp(
  `^This model's maximum context length is ${CONTEXT} tokens\\. However, your messages resulted in (at least )?(\\d+) tokens\\.$`,
);

/** Asserts the OpenAI-shaped overflow error and returns the token count it states. */
function assertOverflow(e: unknown): true {
  assert.ok(e instanceof OpenAI.BadRequestError, String(e));
  assert.equal(e.status, 400);
  assert.equal(e.type, 'invalid_request_error');
  assert.equal(e.code, 'context_length_exceeded');
  assert.equal(e.param, 'messages');
  const m = OVERFLOW.exec((e.error as { message: string }).message);
  assert.ok(m, (e.error as { message: string }).message);
  assert.ok(Number(m[2]) > CONTEXT);
  return true;
}

const words = (bytes: number) => 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(bytes / 45)).slice(0, bytes);

describe('huge prompts on the real engine', () => {
  let s: RealServer;
  before(async () => {
    s = await startRealServer({ modelPath: await testModelPath('tiny'), modelId: 'tiny', contextSize: CONTEXT });
  });
  after(() => s.close());

  for (const megabytes of [1, 5]) {
    test(`one ${megabytes} MB message → 400 context_length_exceeded`, async () => {
      const content = words(megabytes * 1_000_000);
      await assert.rejects(s.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content }] }), assertOverflow);
    });
  }

  test('10,000 messages → 400 context_length_exceeded', async () => {
    const messages: ChatCompletionMessageParam[] = [];
    for (let i = 0; i < 10_000; i++)
      messages.push(i % 2 === 0 ? { role: 'user', content: `question ${i}` } : { role: 'assistant', content: `answer ${i}` });
    await assert.rejects(s.client.chat.completions.create({ model: 'tiny', messages }), assertOverflow);
  });

  test('5,000 tools → 400 context_length_exceeded', async () => {
    const tools: ChatCompletionTool[] = Array.from({ length: 5000 }, (_, i) => ({
      type: 'function',
      function: {
        name: `tool_${i}`,
        description: `Tool number ${i}`,
        parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    }));
    await assert.rejects(
      s.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], tools }),
      assertOverflow,
    );
  });

  test('a body just under the limit is still a context error; one byte over is 413', async () => {
    const post = (body: string) =>
      fetch(`${s.server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-test-key', 'content-type': 'application/json' },
        body,
      });
    const envelope = JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: '' }] });
    const fill = MAX_REQUEST_BODY_BYTES - Buffer.byteLength(envelope);
    const atLimit = envelope.replace('"content":""', `"content":"${'a'.repeat(fill)}"`);
    assert.equal(Buffer.byteLength(atLimit), MAX_REQUEST_BODY_BYTES);
    const ok = await post(atLimit);
    assert.equal(ok.status, 400);
    assert.equal(((await ok.json()) as { error: { code: string } }).error.code, 'context_length_exceeded');
    const over = await post(atLimit.replace('"content":"', '"content":"a'));
    assert.equal(over.status, 413);
    assert.deepEqual(await over.json(), {
      error: {
        message: `The request body is larger than the limit of ${MAX_REQUEST_BODY_BYTES} bytes.`,
        type: 'invalid_request_error',
        param: null,
        code: 'request_too_large',
      },
    });
  });

  test('a prompt that fits still works after the rejections', async () => {
    const res = await s.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    assert.equal(res.choices.length, 1);
    assert.ok(res.usage!.prompt_tokens > 0);
  });
});

describe('the length bound never exceeds the real token count', () => {
  let runtime: ModelRuntime;
  before(async () => {
    runtime = await loadModelRuntime(
      { modelPath: await testModelPath('tiny'), modelId: 't', contextSize: 512, threads: 1, parallel: 1, queueLimit: 0, defaults: {} },
      silentLogger,
    );
  });
  after(() => runtime.dispose());

  test('for the longest token repeated, control-token text, and mixed scripts', () => {
    const model = runtime.model;
    const vocab = createModelVocab(model);
    assert.ok(vocab.maxTokenBytes !== undefined, 'a BPE vocabulary gives a bound');
    let longest = '';
    for (const token of model.iterateAllTokens()) {
      const text = model.detokenize([token], true);
      if (Buffer.byteLength(text) > Buffer.byteLength(longest)) longest = text;
    }
    assert.equal(Buffer.byteLength(longest), vocab.maxTokenBytes);
    const samples: [string, boolean][] = [
      [longest.repeat(500), true],
      [longest.repeat(500), false],
      ['[INST][/INST][TOOL_CALLS][ARGS]'.repeat(200), true],
      [words(20_000), false],
      ['déjà vu — 日本語のテキスト 😀\t\n'.repeat(300), false],
      [' '.repeat(5000), false],
    ];
    for (const [text, special] of samples) {
      const real = model.tokenize(text, special).length;
      assert.ok(minimumTokens(text, vocab.maxTokenBytes) <= real, `${text.slice(0, 30)}: bound ≤ ${real}`);
    }
  });
});
