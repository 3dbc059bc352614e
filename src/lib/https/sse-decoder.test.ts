import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseDecoder, type SseFrame } from './sse-decoder.ts';

const event = (data: string, extra: Partial<{ event: string; id: string }> = {}): SseFrame => ({
  kind: 'event',
  event: extra.event ?? 'message',
  data,
  id: extra.id,
});

/** Every way of cutting `body` into two pieces decodes to the same frames. */
function decodeSplitEverywhere(body: string): SseFrame[] {
  const whole = new SseDecoder();
  const expected = [...whole.push(body), ...whole.end()];
  for (let cut = 0; cut <= body.length; cut++) {
    const d = new SseDecoder();
    assert.deepEqual([...d.push(body.slice(0, cut)), ...d.push(body.slice(cut)), ...d.end()], expected, `cut at ${cut}`);
  }
  return expected;
}

test('an OpenAI stream: comments, data frames and [DONE], cut anywhere', () => {
  const body = ': ping\n\ndata: {"choices":[{"delta":{"content":"Hi"}}]}\n\n: ping\n\ndata: [DONE]\n\n';
  assert.deepEqual(decodeSplitEverywhere(body), [
    { kind: 'comment', text: 'ping' },
    event('{"choices":[{"delta":{"content":"Hi"}}]}'),
    { kind: 'comment', text: 'ping' },
    event('[DONE]'),
  ]);
});

test('\\r\\n and lone \\r end lines too, also when a piece ends between \\r and \\n', () => {
  assert.deepEqual(decodeSplitEverywhere('data: a\r\n\r\ndata: b\r\rdata: c\n\n'), [event('a'), event('b'), event('c')]);
  const d = new SseDecoder();
  assert.deepEqual(d.push('data: x\r'), []);
  assert.deepEqual(d.push('\n\r'), []);
  assert.deepEqual(d.push('\n'), [event('x')], 'one blank line, not two: the \\r\\n pair was split');
});

test('multi-line data is joined with \\n; fields without a space, event and id are read', () => {
  assert.deepEqual(decodeSplitEverywhere('event: error\nid: 7\ndata:{"error":\ndata: {"message":"x"}}\n\n'), [
    event('{"error":\n{"message":"x"}}', { event: 'error', id: '7' }),
  ]);
});

test('error frames, empty data, unknown fields and a leading BOM', () => {
  assert.deepEqual(decodeSplitEverywhere('\uFEFFretry: 10\nfoo: bar\ndata\n\ndata: {"error":{"message":"boom"}}\n\n'), [
    event(''),
    event('{"error":{"message":"boom"}}'),
  ]);
});

test('an event cut off before its blank line is dropped at the end of the body', () => {
  const d = new SseDecoder();
  assert.deepEqual(d.push('data: complete\n\ndata: half'), [event('complete')]);
  assert.deepEqual(d.end(), []);
});
