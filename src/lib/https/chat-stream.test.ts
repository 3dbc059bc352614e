import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatStreamProblem, readChatStream } from './chat-stream.ts';

async function* pieces(...texts: string[]): AsyncIterable<string> {
  yield* texts;
}

const frame = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const role = frame({ model: 'm', choices: [{ delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const content = (text: string) => frame({ choices: [{ delta: { content: text }, finish_reason: null }] });
const finish = frame({ choices: [{ delta: {}, finish_reason: 'stop' }] });
const usage = frame({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } });

test('sums up a complete stream split at odd places', async () => {
  const body = `: ping\n\n${role}${content('Hel')}${content('lo')}${finish}${usage}data: [DONE]\n\n`;
  const summary = await readChatStream(pieces(body.slice(0, 37), body.slice(37, 120), body.slice(120)));
  assert.equal(summary.text, 'Hello');
  assert.equal(summary.contentDeltas, 2);
  assert.equal(summary.toolCallDeltas, 0);
  assert.equal(summary.frames, 5);
  assert.equal(summary.finishReason, 'stop');
  assert.equal(summary.model, 'm');
  assert.deepEqual(summary.usage, { prompt_tokens: 5, completion_tokens: 2 });
  assert.equal(summary.done, true);
  assert.ok(summary.firstDeltaAt <= summary.lastDeltaAt);
  assert.equal(chatStreamProblem(summary), undefined);
});

test('a tool-call answer is complete without text', async () => {
  const call = frame({
    choices: [{ delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }, finish_reason: null }],
  });
  const summary = await readChatStream(
    pieces(role, call, frame({ choices: [{ delta: {}, finish_reason: 'tool_calls' }] }), 'data: [DONE]\n\n'),
  );
  assert.equal(summary.toolCallDeltas, 1);
  assert.equal(chatStreamProblem(summary), undefined);
});

test('[DONE] alone, no finish_reason, or no [DONE] are each incomplete', async () => {
  assert.equal(
    chatStreamProblem(await readChatStream(pieces(role, finish, 'data: [DONE]\n\n'))),
    'the stream carried no content or tool-call delta and no generated tokens (2 frames)',
  );
  const nothingGenerated = frame({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 0 } });
  assert.equal(
    chatStreamProblem(await readChatStream(pieces(role, finish, nothingGenerated, 'data: [DONE]\n\n'))),
    'the stream carried no content or tool-call delta and no generated tokens (3 frames)',
  );
  assert.equal(
    chatStreamProblem(await readChatStream(pieces(role, content('x'), 'data: [DONE]\n\n'))),
    'the stream carried no finish_reason (2 frames)',
  );
  assert.equal(
    chatStreamProblem(await readChatStream(pieces(role, content('x'), finish))),
    'the stream ended without [DONE] after 3 frames',
  );
});

test('a turn that generated tokens rendering as nothing is complete: the usage frame proves the model ran', async () => {
  const summary = await readChatStream(
    pieces(role, finish, frame({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 1 } }), 'data: [DONE]\n\n'),
  );
  assert.equal(summary.contentDeltas + summary.toolCallDeltas, 0);
  assert.equal(chatStreamProblem(summary), undefined);
});

test('an error frame or a frame that is not JSON fails the read', async () => {
  await assert.rejects(readChatStream(pieces(role, frame({ error: { message: 'model crashed', type: 'server_error' } }))), {
    message: 'the stream carried an error: model crashed',
  });
  await assert.rejects(readChatStream(pieces('data: {"choices":\n\n')), {
    message: 'the stream carried data that is not JSON: {"choices":',
  });
});
