import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from './sse-parser.ts';

test('SseParser joins events split across chunks and drops comments', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push(': ping\n\ndata: {"a"'), []);
  assert.deepEqual(parser.push(':1}\n\ndata: [DO'), ['{"a":1}']);
  assert.deepEqual(parser.push('NE]\r\n\r\n'), ['[DONE]']);
});

test('SseParser joins multi-line data and accepts "data:" without a space', () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('event: x\ndata:one\ndata: two\n\n'), ['one\ntwo']);
});
