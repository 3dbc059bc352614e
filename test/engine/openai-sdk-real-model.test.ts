/**
 * The HTTP layer on the real inference core (node-llama-cpp, generated models), driven by the official
 * `openai` SDK the way Cline and Continue drive it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { InternalError } from '../../src/engine/api/api-errors.ts';
import type { SamplingParams } from '../../src/engine/inference/types.ts';
import { failAfterFirstToken, type RealServer, startRealServer } from '../support/real-server.ts';
import { DEFAULT_AFTER_TOOL_TEXT, testModelPath } from '../support/test-models.ts';

const SCRIPT = 'Sure, here is the answer you asked for.';

/** Sampling for engine.prepare(), which counts prompt tokens the same way whatever the sampling. */
const greedy: SamplingParams = { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, stop: [] };

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'attempt_completion',
      description: 'Finish the task with a result.',
      parameters: { type: 'object', properties: { result: { type: 'string' } }, required: ['result'], additionalProperties: false },
    },
  },
];

describe('text answers through the openai SDK (scripted model)', () => {
  let s: RealServer;
  before(async () => {
    s = await startRealServer({ modelPath: await testModelPath('scripted', { text: SCRIPT }), modelId: 'scripted-text' });
  });
  after(() => s.close());

  test('non-stream chat completion', async () => {
    const res = await s.client.chat.completions.create({
      model: 'scripted-text',
      messages: [{ role: 'user', content: 'Answer me' }],
      temperature: 0,
    });
    assert.match(res.id, /^chatcmpl-/);
    assert.equal(res.model, 'scripted-text');
    assert.equal(res.choices[0]!.message.content, SCRIPT);
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    const prepared = await s.engine.prepare({
      kind: 'chat',
      messages: [{ role: 'user', content: 'Answer me' }],
      tools: [],
      toolChoice: { type: 'auto' },
      responseFormat: { type: 'text' },
      sampling: greedy,
    });
    assert.equal(res.usage!.prompt_tokens, prepared.promptTokens);
    assert.ok(res.usage!.completion_tokens > 0);
    assert.equal(res.usage!.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  test('streamed chat completion reassembles to the same text, with usage', async () => {
    const stream = await s.client.chat.completions.create({
      model: 'scripted-text',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Answer me' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const ids = new Set<string>();
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let first = true;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (first) assert.equal(chunk.choices[0]?.delta.role, 'assistant');
      first = false;
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, SCRIPT);
    assert.equal(ids.size, 1);
    assert.equal(finish, 'stop');
    assert.ok(usage !== undefined && usage.completion_tokens > 1);
  });

  test('max_tokens cuts the answer with finish_reason length; a huge max_tokens is clamped, not rejected', async () => {
    const short = await s.client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Answer me' }], max_tokens: 2 });
    assert.equal(short.choices[0]!.finish_reason, 'length');
    assert.equal(short.usage!.completion_tokens, 2);
    assert.ok(SCRIPT.startsWith(short.choices[0]!.message.content ?? '?'));
    const huge = await s.client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Answer me' }],
      max_tokens: 1_000_000,
    });
    assert.equal(huge.choices[0]!.message.content, SCRIPT);
  });

  test('/v1/models lists the served id with its context length', async () => {
    const models = await s.client.models.list();
    assert.deepEqual(
      models.data.map((m) => [m.id, (m as unknown as { context_length: number }).context_length]),
      [['scripted-text', 1024]],
    );
  });

  test('/v1/completions returns a text_completion', async () => {
    const res = await s.client.completions.create({ model: 'x', prompt: 'def add(a, b):', max_tokens: 4, temperature: 0 });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.choices.length, 1);
    // The scripted model speaks only after a chat turn: after any other token its next one is </s>.
    assert.equal(res.choices[0]!.text, '');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.equal(res.usage!.completion_tokens, 0);
    const prepared = await s.engine.prepare({ kind: 'completion', prompt: 'def add(a, b):', sampling: greedy });
    assert.equal(res.usage!.prompt_tokens, prepared.promptTokens);
  });

  test("the inference core's log line carries the response's X-Request-Id and the slot", async () => {
    const { response } = await s.client.chat.completions
      .create({ model: 'x', messages: [{ role: 'user', content: 'Answer me' }], max_tokens: 2 })
      .withResponse();
    const requestId = response.headers.get('x-request-id');
    assert.match(requestId ?? '', /^req-[0-9a-f]{24}$/);
    const core = s.logs.filter((l) => l['msg'] === 'slot assigned' && l['requestId'] === requestId);
    assert.deepEqual(
      core.map((l) => l['slot']),
      [0],
    );
  });

  test('errors arrive as APIError with our status, type, code and param', async () => {
    await assert.rejects(
      s.client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'word '.repeat(3000) }] }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(e.status, 400);
        assert.equal(e.code, 'context_length_exceeded');
        assert.equal(e.param, 'messages');
        assert.match(e.message, /This model's maximum context length is 1024 tokens\. However, your messages resulted in \d+ tokens\./);
        const m = /resulted in (\d+) tokens/.exec(e.message);
        assert.ok(Number(m![1]) > 1024);
        return true;
      },
    );
    await assert.rejects(
      s.client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'a' }], n: 2 }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(e.param, 'n');
        return true;
      },
    );
    const anonymous = new OpenAI({ baseURL: s.client.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(
      anonymous.models.list(),
      (e: unknown) => e instanceof OpenAI.AuthenticationError && e.type === 'authentication_error',
    );
  });
});

describe('tool call round trip through the openai SDK (scripted model)', () => {
  let s: RealServer;
  before(async () => {
    s = await startRealServer({ modelPath: await testModelPath('scripted'), modelId: 'scripted-tools', contextSize: 2048 });
  });
  after(() => s.close());

  test('streamed tool call deltas reassemble into valid JSON; the follow-up reuses the cached prefix', async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are a coding agent. Use the tools to complete the task, then call attempt_completion.' },
      { role: 'user', content: 'Create hello.txt containing hello world' },
    ];
    const stream = await s.client.chat.completions.create({
      model: 'scripted-tools',
      messages,
      tools: TOOLS,
      tool_choice: 'auto',
      stream: true,
      stream_options: { include_usage: true },
    });
    const calls: { id: string; name: string; arguments: string }[] = [];
    let finish: string | null = null;
    let content = '';
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      content += choice.delta.content ?? '';
      for (const d of choice.delta.tool_calls ?? []) {
        if (d.id !== undefined) calls[d.index] = { id: d.id, name: d.function?.name ?? '', arguments: '' };
        calls[d.index]!.arguments += d.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(content, '');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.name, 'attempt_completion');
    assert.match(calls[0]!.id, /^\S+$/);
    assert.deepEqual(JSON.parse(calls[0]!.arguments), { result: 'done' });

    const followUp = await s.client.chat.completions.create({
      model: 'scripted-tools',
      messages: [
        ...messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
        },
        { role: 'tool', tool_call_id: calls[0]!.id, content: 'File created successfully.' },
      ],
      tools: TOOLS,
    });
    assert.equal(followUp.choices[0]!.message.content, DEFAULT_AFTER_TOOL_TEXT);
    assert.equal(followUp.choices[0]!.finish_reason, 'stop');
    const cached = followUp.usage!.prompt_tokens_details!.cached_tokens!;
    assert.ok(cached > 0, `cached_tokens ${cached}`);
    assert.ok(cached < followUp.usage!.prompt_tokens);
  });

  test('non-stream tool call: content null, tool_calls with JSON arguments', async () => {
    const res = await s.client.chat.completions.create({
      model: 'scripted-tools',
      messages: [{ role: 'user', content: 'Finish.' }],
      tools: TOOLS,
    });
    const msg = res.choices[0]!.message;
    assert.equal(res.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(msg.content, null);
    const call = msg.tool_calls![0]!;
    assert.equal(call.type, 'function');
    if (call.type !== 'function') return;
    assert.equal(call.function.name, 'attempt_completion');
    assert.deepEqual(JSON.parse(call.function.arguments), { result: 'done' });
  });

  test('/metrics counts the prompt, cached and generated tokens of the real generations', async () => {
    const res = await fetch(`${s.server.url}/metrics`, { headers: { authorization: 'Bearer sk-test-key' } });
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    // The same totals as the per-request log lines of this server's generations.
    const generations = s.logs.filter((l) => l['msg'] === 'request' && l['promptTokens'] !== undefined);
    const sum = (field: string) => generations.reduce((n, l) => n + (l[field] as number), 0);
    assert.ok(generations.length >= 2, `${generations.length} generations logged`);
    assert.equal(value('slm_prompt_tokens_total'), sum('promptTokens'));
    assert.equal(value('slm_cached_tokens_total'), sum('cachedTokens'));
    assert.equal(value('slm_generated_tokens_total'), sum('generatedTokens'));
    // Requests repeat their opening, so some prompt tokens came from a slot's cache.
    assert.ok(value('slm_cached_tokens_total') > 0);
    assert.ok(value('slm_generated_tokens_total') > 0);
    assert.equal(value('slm_model_loaded'), 1);
    assert.equal(value('slm_time_to_first_token_seconds_count'), generations.filter((l) => l['ttftMs'] !== undefined).length);
  });
});

describe('a failure after the stream started', () => {
  test('surfaces in the SDK as an APIError carrying our message', async () => {
    const s = await startRealServer({
      modelPath: await testModelPath('scripted', { text: SCRIPT }),
      wrap: (engine) => failAfterFirstToken(engine, new InternalError('Injected decode failure.')),
    });
    try {
      const stream = await s.client.chat.completions.create({
        model: 'x',
        messages: [{ role: 'user', content: 'Answer me' }],
        stream: true,
      });
      const deltas: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) {
            const delta = chunk.choices[0]?.delta.content;
            if (delta) deltas.push(delta);
          }
        })(),
        (e: unknown) => e instanceof OpenAI.APIError && e.message.includes('Injected decode failure.'),
      );
      // Exactly the first token's text arrived, then the error.
      assert.equal(deltas.length, 1, JSON.stringify(deltas));
      assert.equal(SCRIPT.startsWith(deltas[0]!), true, JSON.stringify(deltas));
      assert.equal(s.engine.stats().busySlots, 0);
    } finally {
      await s.close();
    }
  });
});
