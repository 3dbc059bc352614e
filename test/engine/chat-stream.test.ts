import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { chatBody, DONE_FRAME, dataFrames, type FakeServer, jsonHeaders, readSseEvents, startFakeServer } from '../support/fake-server.ts';

describe('chat completions over SSE (fake engine)', () => {
  let s: FakeServer;
  before(async () => {
    s = await startFakeServer({
      script: (input) => {
        const last = input.kind === 'chat' ? input.messages.at(-1)?.content : input.prompt;
        if (last === 'call a tool') {
          return {
            events: [
              { type: 'tool-call-start', index: 0, id: 'call_abc', name: 'editor' },
              { type: 'tool-call-arguments', index: 0, delta: '{"path":' },
              { type: 'tool-call-arguments', index: 0, delta: '"a.txt"}' },
            ],
            cachedTokens: 3,
          };
        }
        return { eventDelayMs: 5 };
      },
    });
  });
  after(() => s.close());

  test('frames come in OpenAI order with one id, a finish chunk, usage and [DONE]', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: chatBody({ stream: true, stream_options: { include_usage: true } }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const events = await readSseEvents(res);
    assert.deepEqual(events.at(-1), DONE_FRAME);
    const frames = dataFrames(events);
    assert.equal(frames.length, 5);
    const ids = new Set(frames.map((f) => f['id']));
    assert.equal(ids.size, 1);
    assert.match(String(frames[0]!['id']), /^chatcmpl-/);
    for (const f of frames) {
      assert.equal(f['object'], 'chat.completion.chunk');
      assert.equal(f['model'], 'fake-model');
    }
    assert.deepEqual(frames[0]!['choices'], [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    assert.deepEqual(frames[1]!['choices'], [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }]);
    assert.deepEqual(frames[2]!['choices'], [{ index: 0, delta: { content: ', world' }, finish_reason: null }]);
    assert.deepEqual(frames[3]!['choices'], [{ index: 0, delta: {}, finish_reason: 'stop' }]);
    assert.deepEqual(frames[4]!['choices'], []);
    assert.deepEqual(frames[4]!['usage'], {
      prompt_tokens: 7,
      completion_tokens: 2,
      total_tokens: 9,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  test('without include_usage there is no usage chunk', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders, body: chatBody({ stream: true }) });
    const frames = dataFrames(await readSseEvents(res));
    assert.equal(frames.length, 4);
    assert.ok(frames.every((f) => !('usage' in f)));
  });

  test('tool calls stream as index/id/name then argument pieces, finish_reason tool_calls', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'call a tool' }],
        tools: [{ type: 'function', function: { name: 'editor', parameters: { type: 'object' } } }],
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    const frames = dataFrames(await readSseEvents(res));
    const choices = frames.map((f) => (f['choices'] as unknown[])[0]);
    assert.deepEqual(choices[1], {
      index: 0,
      delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'editor', arguments: '' } }] },
      finish_reason: null,
    });
    assert.deepEqual(choices[2], {
      index: 0,
      delta: { tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] },
      finish_reason: null,
    });
    assert.deepEqual(choices[4], { index: 0, delta: {}, finish_reason: 'tool_calls' });
    assert.deepEqual((frames[5]!['usage'] as Record<string, unknown>)['prompt_tokens_details'], { cached_tokens: 3 });
  });

  test('non-stream tool call response has content null and tool_calls', async () => {
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'call a tool' }],
        tools: [{ type: 'function', function: { name: 'editor' } }],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['object'], 'chat.completion');
    assert.match(String(body['id']), /^chatcmpl-/);
    assert.equal(body['system_fingerprint'], 'slm-copilot');
    assert.deepEqual(body['choices'], [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'editor', arguments: '{"path":"a.txt"}' } }],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ]);
    assert.deepEqual(body['usage'], {
      prompt_tokens: 7,
      completion_tokens: 3,
      total_tokens: 10,
      prompt_tokens_details: { cached_tokens: 3 },
    });
  });

  test('completions endpoint streams text_completion chunks', async () => {
    const res = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ prompt: 'def f():', stream: true, stream_options: { include_usage: true } }),
    });
    const events = await readSseEvents(res);
    assert.deepEqual(events.at(-1), DONE_FRAME);
    const frames = dataFrames(events);
    assert.deepEqual(
      frames.map((f) => f['object']),
      ['text_completion', 'text_completion', 'text_completion', 'text_completion'],
    );
    assert.deepEqual(
      frames.map((f) => (f['choices'] as { text: string }[])[0]?.text),
      ['Hello', ', world', '', undefined],
    );
    assert.equal((frames[2]!['choices'] as { finish_reason: string }[])[0]!.finish_reason, 'stop');
    assert.equal(new Set(frames.map((f) => f['id'])).size, 1);
    assert.match(String(frames[0]!['id']), /^cmpl-/);
  });

  test('non-stream completion', async () => {
    const res = await fetch(`${s.url}/v1/completions`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ prompt: 'x' }) });
    const body = (await res.json()) as { choices: { text: string; finish_reason: string }[]; object: string };
    assert.equal(body.object, 'text_completion');
    assert.equal(body.choices[0]!.text, 'Hello, world');
    assert.equal(body.choices[0]!.finish_reason, 'stop');
  });
});
