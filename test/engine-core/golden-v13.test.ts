/**
 * Golden: a Cline-shaped conversation (system prompt, tools, a tool round with `content: null` and a
 * `call_…` id, then two user messages in a row) renders byte for byte in Devstral's v13 layout — with the
 * built-in renderer, and through every template that is used for it or falls back to it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createChatPromptRenderer } from '../../src/engine/chat/chat-prompt.ts';
import type { ChatMessage, ToolDefinition } from '../../src/engine/inference/types.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DEVSTRAL_CHAT_TEMPLATE } from '../../src/modelgen/devstral-template.ts';
import { strictTemplate } from '../support/strict-templates.ts';

const TOOLS: ToolDefinition[] = [
  {
    name: 'read_files',
    description: 'Read files.',
    parameters: {
      type: 'object',
      required: ['files'],
      properties: {
        files: {
          type: 'array',
          items: {
            type: 'object',
            properties: { path: { type: 'string' }, start_line: { anyOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'null' }] } },
          },
        },
      },
    },
  },
  {
    name: 'editor',
    description: 'Edit a file.',
    parameters: { type: 'object', properties: { path: { type: 'string' }, new_text: { type: 'string' } } },
  },
];

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'You are Cline, an AI coding agent.' },
  { role: 'user', content: 'Create hello.txt containing hello world' },
  // content null on the wire; "" once parsed
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'call_1', name: 'editor', arguments: '{"path":"/w/hello.txt","new_text":"hello world\\n"}' }],
  },
  { role: 'tool', content: '{"result":"File created","success":true}', toolCallId: 'call_1' },
  { role: 'user', content: 'Now add a second line.' },
  { role: 'user', content: '<environment_details>cwd: /w</environment_details>' },
];

// Written out by hand: the tool list right after the system prompt (before the FIRST user message), as
// OpenAI tool objects with ", " and ": " separators; no tool-call id anywhere; the two last user messages
// joined with a blank line.
const GOLDEN =
  '<s>[SYSTEM_PROMPT]You are Cline, an AI coding agent.[/SYSTEM_PROMPT]' +
  '[AVAILABLE_TOOLS][' +
  '{"type": "function", "function": {"name": "read_files", "description": "Read files.", "parameters": ' +
  '{"type": "object", "required": ["files"], "properties": {"files": {"type": "array", "items": {"type": "object", "properties": ' +
  '{"path": {"type": "string"}, "start_line": {"anyOf": [{"type": "integer", "exclusiveMinimum": 0}, {"type": "null"}]}}}}}}}}, ' +
  '{"type": "function", "function": {"name": "editor", "description": "Edit a file.", "parameters": ' +
  '{"type": "object", "properties": {"path": {"type": "string"}, "new_text": {"type": "string"}}}}}' +
  '][/AVAILABLE_TOOLS]' +
  '[INST]Create hello.txt containing hello world[/INST]' +
  '[TOOL_CALLS]editor[ARGS]{"path":"/w/hello.txt","new_text":"hello world\\n"}</s>' +
  '[TOOL_RESULTS]{"result":"File created","success":true}[/TOOL_RESULTS]' +
  '[INST]Now add a second line.\n\n<environment_details>cwd: /w</environment_details>[/INST]';

function render(source: string | undefined): { text: string; renderer: string } {
  const r = createChatPromptRenderer({
    template: source === undefined ? undefined : { source, origin: 'test' },
    bosToken: '<s>',
    eosToken: '</s>',
    isSpecialText: () => false,
    logger: silentLogger,
    modelId: 'golden',
  });
  const { segments } = r.render({ messages: CONVERSATION, tools: TOOLS });
  return { text: segments.map((s) => s.text).join(''), renderer: r.source };
}

describe('golden: a Cline-shaped conversation in the v13 layout', () => {
  it('the built-in renderer', () => {
    assert.equal(render(undefined).text, GOLDEN);
  });

  const through: Array<[string, string, 'model' | 'builtin']> = [
    ['the generated Devstral template', DEVSTRAL_CHAT_TEMPLATE, 'model'],
    ['role-alternation (falls back)', strictTemplate('role-alternation'), 'builtin'],
    ['role-transitions', strictTemplate('role-transitions'), 'model'],
    ['integer-subscript (falls back)', strictTemplate('integer-subscript'), 'builtin'],
    ['content-length', strictTemplate('content-length'), 'model'],
  ];
  for (const [name, source, renderer] of through) {
    it(name, () => {
      assert.deepEqual(render(source), { text: GOLDEN, renderer });
    });
  }
});
