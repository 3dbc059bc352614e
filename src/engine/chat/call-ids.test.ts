import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivedNineCharCallId, newToolCallId, nineCharCallIdFor } from './call-ids.ts';

test('new ids: OpenAI style (random), and 9 alphanumerics derived from a seed', () => {
  assert.match(newToolCallId(), /^call_[A-Za-z0-9]{24}$/);
  assert.notEqual(newToolCallId(), newToolCallId());
  assert.match(derivedNineCharCallId('prompt:0'), /^[A-Za-z0-9]{9}$/);
  assert.equal(derivedNineCharCallId('prompt:0'), derivedNineCharCallId('prompt:0'));
  assert.notEqual(derivedNineCharCallId('prompt:1'), derivedNineCharCallId('prompt:0'));
});

test('a client id maps to the same 9 alphanumerics every time; ids already in that shape stay', () => {
  const a = nineCharCallIdFor('call_1');
  assert.match(a, /^[A-Za-z0-9]{9}$/);
  assert.equal(nineCharCallIdFor('call_1'), a);
  assert.notEqual(nineCharCallIdFor('call_2'), a);
  assert.equal(nineCharCallIdFor('aB3dE5fG7'), 'aB3dE5fG7');
  assert.match(nineCharCallIdFor('call_abc-DEF_0123456789abcdef0123'), /^[A-Za-z0-9]{9}$/);
  assert.notEqual(nineCharCallIdFor('abcdefgh_'), 'abcdefgh_', 'nine characters but not alphanumeric');
});
