import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template } from '@huggingface/jinja';
import { DEVSTRAL_CHAT_TEMPLATE } from './devstral-template.ts';

const template = new Template(DEVSTRAL_CHAT_TEMPLATE);
const render = (input: Record<string, unknown>): string =>
  template.render({ bos_token: '<s>', eos_token: '</s>', add_generation_prompt: true, ...input });

const readFileTool = {
  type: 'function',
  function: {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
};

test('renders a tool round trip in Devstral syntax, tools after the system prompt, before the first user message', () => {
  const text = render({
    tools: [readFileTool],
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Show a.txt' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.txt"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'hello' },
      { role: 'user', content: 'Thanks, now summarise.' },
    ],
  });
  const tools = text.slice(text.indexOf('[AVAILABLE_TOOLS]') + '[AVAILABLE_TOOLS]'.length, text.indexOf('[/AVAILABLE_TOOLS]'));
  assert.deepEqual(JSON.parse(tools), [readFileTool]);
  assert.equal(
    text.replace(tools, 'TOOLS'),
    '<s>[SYSTEM_PROMPT]Be brief.[/SYSTEM_PROMPT][AVAILABLE_TOOLS]TOOLS[/AVAILABLE_TOOLS]' +
      '[INST]Show a.txt[/INST]' +
      '[TOOL_CALLS]read_file[ARGS]{"path":"a.txt"}</s>' +
      '[TOOL_RESULTS]hello[/TOOL_RESULTS]' +
      '[INST]Thanks, now summarise.[/INST]',
  );
});

test('a prompt ending in a tool result ends with [/TOOL_RESULTS]; tools precede the only user message', () => {
  const text = render({
    tools: [readFileTool],
    messages: [
      { role: 'user', content: 'Show a.txt' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'x', type: 'function', function: { name: 'read_file', arguments: { path: 'a.txt' } } }],
      },
      { role: 'tool', tool_call_id: 'x', content: 'hello' },
    ],
  });
  assert.match(text, /^<s>\[AVAILABLE_TOOLS\]\[.*\]\[\/AVAILABLE_TOOLS\]\[INST\]Show a\.txt\[\/INST\]/);
  assert.ok(text.endsWith('[TOOL_CALLS]read_file[ARGS]{"path": "a.txt"}</s>[TOOL_RESULTS]hello[/TOOL_RESULTS]'));
});

test('plain chat: no system block without a system message, assistant text ends with </s>, several calls', () => {
  assert.equal(
    render({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'two ' },
            { type: 'text', text: 'parts' },
          ],
        },
        {
          role: 'assistant',
          content: 'Calling.',
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } },
            { id: 'b', type: 'function', function: { name: 'g', arguments: '{"x":1}' } },
          ],
        },
      ],
    }),
    '<s>[INST]hi[/INST]hello</s>[INST]two parts[/INST]Calling.[TOOL_CALLS]f[ARGS]{}[TOOL_CALLS]g[ARGS]{"x":1}</s>',
  );
});

test('unknown roles raise', () => {
  assert.throws(() => render({ messages: [{ role: 'developer', content: 'x' }] }), /Unknown message role: developer/);
});
