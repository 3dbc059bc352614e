import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../inference/types.ts';
import { normaliseMessages } from './message-normaliser.ts';

const sys = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const answer = (content: string): ChatMessage => ({ role: 'assistant', content });
const call = (id: string): ChatMessage => ({ role: 'assistant', content: '', toolCalls: [{ id, name: 'f', arguments: '{}' }] });
const result = (id: string): ChatMessage => ({ role: 'tool', content: `r${id}`, toolCallId: id });

describe('normaliseMessages', () => {
  it('leaves an alternating conversation as it is', () => {
    const messages = [sys('S'), user('a'), call('1'), result('1'), user('b'), answer('c')];
    assert.deepEqual(normaliseMessages(messages), messages);
  });

  it('joins consecutive user messages with a blank line, skipping empty ones', () => {
    assert.deepEqual(normaliseMessages([sys('S'), user('a'), user(''), user('b')]), [sys('S'), user('a\n\nb')]);
  });

  it('merges leading system messages into one', () => {
    assert.deepEqual(normaliseMessages([sys('A'), sys('B'), user('u')]), [sys('A\n\nB'), user('u')]);
  });

  it('folds a late system message into the next user turn, ahead of its text', () => {
    assert.deepEqual(normaliseMessages([sys('S'), user('a'), answer('b'), sys('Plan mode.'), user('go')]), [
      sys('S'),
      user('a'),
      answer('b'),
      user('Plan mode.\n\ngo'),
    ]);
  });

  it('turns a trailing late system message into a user turn (joined to a user turn right before it)', () => {
    assert.deepEqual(normaliseMessages([user('a'), call('1'), result('1'), sys('Summarise.')]), [
      user('a'),
      call('1'),
      result('1'),
      user('Summarise.'),
    ]);
    assert.deepEqual(normaliseMessages([user('a'), answer('b'), user('c'), sys('Late.')]), [user('a'), answer('b'), user('c\n\nLate.')]);
  });

  it('merges consecutive assistant turns and keeps their calls in order; never merges tool results', () => {
    const merged = normaliseMessages([user('a'), answer('Let me look.'), call('1'), call('2'), result('1'), result('2')]);
    assert.deepEqual(merged, [
      user('a'),
      {
        role: 'assistant',
        content: 'Let me look.',
        toolCalls: [
          { id: '1', name: 'f', arguments: '{}' },
          { id: '2', name: 'f', arguments: '{}' },
        ],
      },
      result('1'),
      result('2'),
    ]);
  });

  it('does not change the caller’s messages', () => {
    const first = user('a');
    normaliseMessages([first, user('b')]);
    assert.equal(first.content, 'a');
  });
});
