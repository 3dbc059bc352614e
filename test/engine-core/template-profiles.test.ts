/**
 * The strict templates fail on raw client conversations exactly as the real ones do, and the load-time
 * profile decides for each which renderer answers requests, with which ids and arguments, and why.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Template } from '@huggingface/jinja';
import { nineCharCallIdFor } from '../../src/engine/chat/call-ids.ts';
import { createChatPromptRenderer } from '../../src/engine/chat/chat-prompt.ts';
import { profileTemplate } from '../../src/engine/chat/template-profile.ts';
import type { ChatMessage } from '../../src/engine/inference/types.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DEVSTRAL_CHAT_TEMPLATE } from '../../src/modelgen/devstral-template.ts';
import { type StrictTemplateName, strictTemplate } from '../support/strict-templates.ts';

const TOOLS = [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object' } } }];
const CALL = { id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path": "a.ts"}' } };
const SYSTEM = { role: 'system', content: 'You are Cline.' };
const USER = { role: 'user', content: 'Read a.ts' };
const CALLS = { role: 'assistant', content: null, tool_calls: [CALL] };
const RESULT = { role: 'tool', tool_call_id: 'call_1', content: 'export {}' };

function renderRaw(name: StrictTemplateName, messages: unknown[]): string {
  return new Template(strictTemplate(name)).render({
    messages,
    tools: TOOLS,
    bos_token: '<s>',
    eos_token: '</s>',
    add_generation_prompt: true,
  });
}

describe('the strict templates fail on raw client conversations like the real ones', () => {
  const ALTERNATION =
    'After the optional system message, conversation roles must alternate user and assistant roles except for tool calls and results.';
  const cases: Array<[StrictTemplateName, string, unknown[], string]> = [
    ['role-alternation', 'a tool round then a user message', [SYSTEM, USER, CALLS, RESULT, USER], ALTERNATION],
    ['role-alternation', 'two users in a row', [SYSTEM, USER, USER], ALTERNATION],
    [
      'role-alternation',
      'a late system message',
      [SYSTEM, USER, { role: 'assistant', content: 'ok' }, SYSTEM, USER],
      'Only user, assistant and tool roles are supported, got system.',
    ],
    [
      'role-transitions',
      'a late system message',
      [SYSTEM, USER, { role: 'assistant', content: 'ok' }, SYSTEM, USER],
      "Unexpected role 'system' after role 'assistant'",
    ],
    ['integer-subscript', 'a tool round', [SYSTEM, USER, CALLS, RESULT], 'Cannot access property with non-string: got IntegerValue'],
    ['content-length', 'assistant content null', [SYSTEM, USER, CALLS, RESULT], 'Cannot apply filter "length" to type: NullValue'],
    ['call-id', 'an OpenAI-style id', [SYSTEM, USER, CALLS, RESULT], 'Tool call IDs should be alphanumeric strings with length 9!'],
  ];
  for (const [name, shape, messages, error] of cases) {
    it(`${name}: ${shape}`, () => {
      assert.throws(
        () => renderRaw(name, messages),
        (e: unknown) => e instanceof Error && e.message === error,
      );
    });
  }

  it('call-id: a JSON string of arguments comes out encoded twice', () => {
    const nine = { ...CALL, id: 'aB3dE5fG7' };
    const text = renderRaw('call-id', [USER, { ...CALLS, tool_calls: [nine] }, { ...RESULT, tool_call_id: 'aB3dE5fG7' }]);
    assert.ok(text.includes('[CALL_ID]aB3dE5fG7[ARGS]"{\\"path\\": \\"a.ts\\"}"'), text);
  });

  it('the same conversations render on the lenient generated template', () => {
    for (const [, , messages] of cases)
      assert.ok(new Template(DEVSTRAL_CHAT_TEMPLATE).render({ messages, bos_token: '<s>', eos_token: '</s>' }));
  });
});

describe('load-time profiles: which renderer answers, and why', () => {
  const profile = (source: string) => profileTemplate(new Template(source), { bosToken: '<s>', eosToken: '</s>' });

  it('generated (lenient) template: the model’s own, v13, ids and arguments as the client sent them', () => {
    const p = profile(DEVSTRAL_CHAT_TEMPLATE);
    assert.equal(p.renderer, 'model');
    assert.deepEqual(p.renderer === 'model' && [p.format.name, p.style, p.formatRecognised], [
      'devstral-v13',
      { ids: 'client', arguments: 'string' },
      true,
    ]);
  });

  it('role-alternation: built-in, because no input style survives a user message after a tool result', () => {
    const p = profile(strictTemplate('role-alternation'));
    assert.equal(p.renderer, 'builtin');
    assert.equal(p.format.name, 'devstral-v13');
    assert.equal(
      p.renderer === 'builtin' && p.reason,
      'raises "After the optional system message, conversation roles must alternate user and assistant roles except for tool calls and results." on a tool round then a user message',
    );
  });

  it('role-transitions: the model’s own (the late system message is folded into the next user turn)', () => {
    const p = profile(strictTemplate('role-transitions'));
    assert.deepEqual(p.renderer === 'model' && [p.format.name, p.style], ['devstral-v13', { ids: 'client', arguments: 'string' }]);
  });

  it('integer-subscript: built-in, because every tool round raises', () => {
    const p = profile(strictTemplate('integer-subscript'));
    assert.equal(p.renderer === 'builtin' && p.reason, 'raises "Cannot access property with non-string: got IntegerValue" on a tool round');
  });

  it('content-length: the model’s own (null content arrives as "")', () => {
    const p = profile(strictTemplate('content-length'));
    assert.deepEqual(p.renderer === 'model' && p.style, { ids: 'client', arguments: 'string' });
  });

  it('call-id: the model’s own, [CALL_ID] format, 9-character ids, arguments as objects', () => {
    const p = profile(strictTemplate('call-id'));
    assert.deepEqual(p.renderer === 'model' && [p.format.name, p.style], ['mistral-call-id', { ids: 'nine', arguments: 'object' }]);
  });

  it('a template that writes [CALL_ID] without the id is replaced, keeping the [CALL_ID] format', () => {
    const broken = strictTemplate('call-id').replace("'[CALL_ID]' + c.id + '[ARGS]'", "'[CALL_ID][ARGS]'");
    assert.notEqual(broken, strictTemplate('call-id'));
    const p = profile(broken);
    assert.equal(p.renderer, 'builtin');
    assert.equal(p.format.name, 'mistral-call-id');
    assert.match(p.renderer === 'builtin' ? p.reason : '', /^writes \[CALL_ID\] without the call's id \(/);
  });
});

describe('rendering through the [CALL_ID] template', () => {
  it('shows 9-character ids derived from the client’s, arguments once-encoded, and maps the ids back', () => {
    const r = createChatPromptRenderer({
      template: { source: strictTemplate('call-id'), origin: 'test' },
      bosToken: '<s>',
      eosToken: '</s>',
      isSpecialText: () => false,
      logger: silentLogger,
      modelId: 'm',
    });
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Read a.ts' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' }] },
      { role: 'tool', content: 'export {}', toolCallId: 'call_1' },
    ];
    const { segments, callIds } = r.render({ messages, tools: [] });
    const id = nineCharCallIdFor('call_1');
    assert.equal(
      segments.map((s) => s.text).join(''),
      `<s>[INST]Read a.ts[/INST][TOOL_CALLS]read_file[CALL_ID]${id}[ARGS]{"path": "a.ts"}</s>[TOOL_RESULTS]${id}[TOOL_CONTENT]export {}[/TOOL_RESULTS]`,
    );
    assert.deepEqual([...callIds], [[id, 'call_1']]);
  });
});
