import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from './api-errors.ts';
import { parseChatRequest } from './chat-request.ts';

test('translates an OpenAI chat request (Cline/Continue shapes) into the core input', () => {
  const parsed = parseChatRequest(
    {
      model: 'm',
      messages: [
        {
          role: 'developer',
          content: [
            { type: 'text', text: 'You are Cline.' },
            { type: 'text', text: 'Be brief.' },
          ],
        },
        { role: 'user', content: 'Create hello.txt' },
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'editor', arguments: '{"path":"a"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'ok' },
      ],
      tools: [{ type: 'function', function: { name: 'editor', description: 'Edit', parameters: { type: 'object' } } }],
      stream: true,
      stream_options: { include_usage: true },
      stop: '</s>',
      max_tokens: 500,
      max_completion_tokens: 200,
      top_k: 20,
      parallel_tool_calls: false,
    },
    { temperature: 0.3, topP: 0.8 },
  );
  assert.equal(parsed.stream, true);
  assert.equal(parsed.includeUsage, true);
  assert.deepEqual(parsed.input, {
    kind: 'chat',
    messages: [
      { role: 'system', content: 'You are Cline.\n\nBe brief.' },
      { role: 'user', content: 'Create hello.txt' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'editor', arguments: '{"path":"a"}' }] },
      { role: 'tool', content: 'ok', toolCallId: 'call_1' },
    ],
    tools: [{ name: 'editor', description: 'Edit', parameters: { type: 'object' } }],
    toolChoice: { type: 'auto' },
    responseFormat: { type: 'text' },
    sampling: { temperature: 0.3, topP: 0.8, topK: 20, presencePenalty: 0, frequencyPenalty: 0, stop: ['</s>'], maxTokens: 200 },
    parallelToolCalls: false,
  });
});

test('tool_choice and response_format variants', () => {
  const base = { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f' } }] };
  assert.deepEqual(parseChatRequest(base, {}).input.toolChoice, { type: 'auto' });
  assert.deepEqual(parseChatRequest({ messages: base.messages }, {}).input.toolChoice, { type: 'none' });
  assert.deepEqual(parseChatRequest({ ...base, tool_choice: 'required' }, {}).input.toolChoice, { type: 'required' });
  assert.deepEqual(parseChatRequest({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }, {}).input.toolChoice, {
    type: 'function',
    name: 'f',
  });
  assert.deepEqual(parseChatRequest({ ...base, response_format: { type: 'json_object' } }, {}).input.responseFormat, {
    type: 'json_object',
  });
  assert.deepEqual(
    parseChatRequest({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } } }, {})
      .input.responseFormat,
    { type: 'json_schema', name: 'r', schema: { type: 'object' } },
  );
  // parallel_tool_calls: only false changes anything (true and absent are OpenAI's default).
  assert.equal(parseChatRequest(base, {}).input.parallelToolCalls, undefined);
  assert.equal(parseChatRequest({ ...base, parallel_tool_calls: true }, {}).input.parallelToolCalls, undefined);
  assert.equal(parseChatRequest({ ...base, parallel_tool_calls: null }, {}).input.parallelToolCalls, undefined);
  assert.throws(
    () => parseChatRequest({ ...base, parallel_tool_calls: 'no' }, {}),
    (e) => e instanceof InvalidRequestError && e.param === 'parallel_tool_calls',
  );
  // Built-in sampling defaults apply when neither request nor YAML say.
  assert.equal(parseChatRequest(base, {}).input.sampling.temperature, 0.15);
  assert.equal(parseChatRequest({ ...base, temperature: 0 }, { temperature: 0.7 }).input.sampling.temperature, 0);
  assert.equal(parseChatRequest({ ...base, seed: 42 }, {}).input.sampling.seed, 42);
});

test('assistant content null (Cline) and "" (Continue) both reach the core as "", never null', () => {
  for (const content of [null, '']) {
    const messages = parseChatRequest(
      {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        ],
      },
      {},
    ).input.messages;
    assert.equal(messages[1]?.content, '');
  }
});
