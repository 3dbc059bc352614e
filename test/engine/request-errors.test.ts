import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeMessagesTokenCount } from '../support/fake-engine.ts';
import { type FakeServer, jsonHeaders, startFakeServer } from '../support/fake-server.ts';

interface Case {
  name: string;
  body: string;
  status: number;
  param: string | null;
  /** The exact message: it names the field and what is allowed. */
  message: string;
  code?: string;
  path?: string;
}

const user = [{ role: 'user', content: 'hi' }];
const j = (v: unknown) => JSON.stringify(v);

const cases: Case[] = [
  {
    name: 'malformed JSON',
    body: '{"messages": [',
    status: 400,
    message: 'The request body is not valid JSON.',
    param: null,
    code: 'invalid_json',
  },
  {
    name: 'empty body',
    body: '',
    status: 400,
    message: 'The request body is empty; send a JSON object.',
    param: null,
    code: 'invalid_json',
  },
  {
    name: 'JSON array instead of object',
    body: '[]',
    status: 400,
    message: 'Invalid value for the request body: Invalid input: expected object, received array',
    param: null,
  },
  {
    name: 'messages missing',
    body: j({ model: 'x' }),
    status: 400,
    message: "Invalid value for 'messages': Invalid input: expected array, received undefined",
    param: 'messages',
  },
  {
    name: 'empty messages',
    body: j({ messages: [] }),
    status: 400,
    message: "Invalid value for 'messages': messages must not be empty",
    param: 'messages',
  },
  {
    name: 'messages not an array',
    body: j({ messages: 'hi' }),
    status: 400,
    message: "Invalid value for 'messages': Invalid input: expected array, received string",
    param: 'messages',
  },
  {
    name: 'unknown role',
    body: j({ messages: [{ role: 'wizard', content: 'x' }] }),
    status: 400,
    message: "Invalid value for 'messages.0.role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'",
    param: 'messages.0.role',
  },
  {
    name: 'second message role missing',
    body: j({ messages: [...user, { content: 'x' }] }),
    status: 400,
    message: "Invalid value for 'messages.1.role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'",
    param: 'messages.1.role',
  },
  {
    name: 'content a number',
    body: j({ messages: [{ role: 'user', content: 5 }] }),
    status: 400,
    message: "Invalid value for 'messages.0.content': expected a string or an array of text parts",
    param: 'messages.0.content',
  },
  {
    name: 'image content part',
    body: j({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
    status: 400,
    message: "Invalid value for 'messages.0.content': expected a string or an array of text parts",
    param: 'messages.0.content',
  },
  {
    name: 'assistant without content or tool_calls',
    body: j({ messages: [...user, { role: 'assistant', content: null }] }),
    status: 400,
    message: 'An assistant message needs content or tool_calls.',
    param: 'messages.1.content',
  },
  {
    name: 'tool message without tool_call_id',
    body: j({ messages: [...user, { role: 'tool', content: 'x' }] }),
    status: 400,
    message: "Invalid value for 'messages.1.tool_call_id': Invalid input: expected string, received undefined",
    param: 'messages.1.tool_call_id',
  },
  {
    name: 'temperature a string',
    body: j({ messages: user, temperature: 'hot' }),
    status: 400,
    message: "Invalid value for 'temperature': Invalid input: expected number, received string",
    param: 'temperature',
  },
  {
    name: 'temperature too high',
    body: j({ messages: user, temperature: 7 }),
    status: 400,
    message: "Invalid value for 'temperature': Too big: expected number to be <=2",
    param: 'temperature',
  },
  {
    name: 'max_tokens zero',
    body: j({ messages: user, max_tokens: 0 }),
    status: 400,
    message: "Invalid value for 'max_tokens': Too small: expected number to be >=1",
    param: 'max_tokens',
  },
  {
    name: 'max_tokens fractional',
    body: j({ messages: user, max_tokens: 1.5 }),
    status: 400,
    message: "Invalid value for 'max_tokens': Invalid input: expected int, received number",
    param: 'max_tokens',
  },
  { name: 'n = 2', body: j({ messages: user, n: 2 }), status: 400, message: "Invalid value for 'n': only n = 1 is supported", param: 'n' },
  {
    name: 'stream not boolean',
    body: j({ messages: user, stream: 'yes' }),
    status: 400,
    message: "Invalid value for 'stream': Invalid input: expected boolean, received string",
    param: 'stream',
  },
  {
    name: 'stop wrong type',
    body: j({ messages: user, stop: 3 }),
    status: 400,
    message: "Invalid value for 'stop': expected a string or an array of strings",
    param: 'stop',
  },
  {
    name: 'tools not an array',
    body: j({ messages: user, tools: {} }),
    status: 400,
    message: "Invalid value for 'tools': Invalid input: expected array, received object",
    param: 'tools',
  },
  {
    name: 'tool without name',
    body: j({ messages: user, tools: [{ type: 'function', function: {} }] }),
    status: 400,
    message: "Invalid value for 'tools.0.function.name': Invalid input: expected string, received undefined",
    param: 'tools.0.function.name',
  },
  {
    name: 'tool_choice unknown string',
    body: j({ messages: user, tool_choice: 'maybe' }),
    status: 400,
    message: "Invalid value for 'tool_choice': expected 'auto', 'none', 'required' or {type: 'function', function: {name}}",
    param: 'tool_choice',
  },
  {
    name: 'tool_choice names a missing tool',
    body: j({
      messages: user,
      tools: [{ type: 'function', function: { name: 'a' } }],
      tool_choice: { type: 'function', function: { name: 'b' } },
    }),
    status: 400,
    message: "tool_choice names the function 'b', which is not in tools.",
    param: 'tool_choice.function.name',
  },
  {
    name: 'tool_choice required without tools',
    body: j({ messages: user, tool_choice: 'required' }),
    status: 400,
    message: "tool_choice 'required' needs at least one tool.",
    param: 'tool_choice',
  },
  {
    name: 'response_format unknown type',
    body: j({ messages: user, response_format: { type: 'xml' } }),
    status: 400,
    message: "Invalid value for 'response_format.type': expected type 'text', 'json_object' or 'json_schema'",
    param: 'response_format.type',
  },
  {
    name: 'completions: prompt missing',
    body: j({ max_tokens: 5 }),
    status: 400,
    message: "Invalid value for 'prompt': expected a string",
    param: 'prompt',
    path: '/v1/completions',
  },
  {
    name: 'completions: two prompts',
    body: j({ prompt: ['a', 'b'] }),
    status: 400,
    message: "Invalid value for 'prompt': expected a string",
    param: 'prompt',
    path: '/v1/completions',
  },
  {
    name: 'completions: suffix',
    body: j({ prompt: 'a', suffix: 'b' }),
    status: 400,
    message: 'suffix (fill-in-the-middle) is not supported; put the FIM template in prompt.',
    param: 'suffix',
    path: '/v1/completions',
  },
  {
    name: 'tool schema nested 100,000 levels deep',
    body: `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"t","parameters":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`,
    status: 400,
    message: 'The request body nests JSON deeper than 128 levels.',
    param: null,
    code: 'invalid_json',
  },
  {
    name: 'body over 8 MiB',
    body: j({ messages: [{ role: 'user', content: 'x'.repeat(8 * 1024 * 1024 + 10) }] }),
    status: 413,
    message: 'The request body is larger than the limit of 8388608 bytes.',
    param: null,
    code: 'request_too_large',
  },
];

describe('bad requests get 4xx OpenAI error JSON naming the field', () => {
  let s: FakeServer;
  before(async () => {
    s = await startFakeServer({ contextSize: 100 });
  });
  after(() => s.close());

  for (const c of cases) {
    test(c.name, async () => {
      const res = await fetch(`${s.url}${c.path ?? '/v1/chat/completions'}`, { method: 'POST', headers: jsonHeaders, body: c.body });
      assert.equal(res.status, c.status);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } };
      assert.equal(body.error.type, 'invalid_request_error');
      assert.equal(body.error.param, c.param);
      if (c.code !== undefined) assert.equal(body.error.code, c.code);
      assert.equal(body.error.message, c.message);
    });
  }

  test('unknown fields are ignored', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: j({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'be brief' }], cache_control: {} },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'ok' }] },
        ],
        parallel_tool_calls: false,
        reasoning_effort: 'low',
        top_k: 20,
        max_completion_tokens: 50,
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
        user: 'me',
      }),
    });
    assert.equal(res.status, 200);
  });

  test('a prompt over the context gives 400 context_length_exceeded with the exact wording', async () => {
    const messages = [{ role: 'user', content: 'word '.repeat(200) }];
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders, body: j({ messages, stream: true }) });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    const tokens = fakeMessagesTokenCount(messages);
    assert.deepEqual(body.error, {
      message: `This model's maximum context length is 100 tokens. However, your messages resulted in ${tokens} tokens.`,
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    });
  });

  test('max_tokens larger than what fits is clamped, not rejected', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: j({ messages: user, max_tokens: 100_000 }),
    });
    assert.equal(res.status, 200);
    assert.equal(s.engine.runs.at(-1)!.input.sampling.maxTokens, 100_000);
  });

  test('unknown routes are 404 JSON', async () => {
    const res = await fetch(`${s.url}/v1/embeddings`, { method: 'POST', headers: jsonHeaders, body: '{}' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'not_found_error');
  });

  test('the server still answers after all of that', async () => {
    const res = await fetch(`${s.url}/healthz`);
    assert.equal(res.status, 200);
  });
});
