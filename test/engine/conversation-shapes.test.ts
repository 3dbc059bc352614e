/**
 * Every conversation shape Cline and Continue send gets a 200 on every chat template — our lenient
 * generated one, none at all, and each strict template that reproduces a real GGUF's failure — through the
 * real engine (llama.cpp, scripted model) and HTTP. The scripted model answers a prompt that ends with a
 * user turn with an `attempt_completion` call and one that ends with a tool result with prose, so each
 * answer also shows the prompt ended where the template layout says it should.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RealServer, startRealServer } from '../support/real-server.ts';
import { type StrictTemplateName, strictTemplate } from '../support/strict-templates.ts';
import { DEFAULT_AFTER_TOOL_TEXT, testModelPath } from '../support/test-models.ts';

type Message = Record<string, unknown>;

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'attempt_completion',
      description: 'Finish the task with a result.',
      parameters: { type: 'object', properties: { result: { type: 'string' } }, required: ['result'], additionalProperties: false },
    },
  },
  {
    type: 'function',
    function: {
      name: 'read_file',
      description: 'Read a file.',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  },
];

const system: Message = { role: 'system', content: 'You are a coding agent. Use the tools, then call attempt_completion.' };
const user = (content: unknown = 'Show me src/app.ts.'): Message => ({ role: 'user', content });
const call = (id: string, path = 'src/app.ts') => ({
  id,
  type: 'function',
  function: { name: 'read_file', arguments: JSON.stringify({ path }) },
});
const calls = (content: string | null, ...toolCalls: unknown[]): Message => ({ role: 'assistant', content, tool_calls: toolCalls });
const result = (id: string): Message => ({ role: 'tool', tool_call_id: id, content: 'export const app = 1;' });
const answer: Message = { role: 'assistant', content: 'It exports app.' };

const SHAPES: Array<[string, Message[]]> = [
  ['a first turn', [system, user()]],
  [
    'multipart content',
    [
      { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.' }] },
      user([
        { type: 'text', text: 'Show me src/app.ts.' },
        { type: 'text', text: '<environment_details>cwd: /w</environment_details>' },
      ]),
    ],
  ],
  ['a tool round then a user message', [system, user(), calls(null, call('call_1')), result('call_1'), user('Now explain it.')]],
  ['9-character ids', [system, user(), calls(null, call('aB3dE5fG7')), result('aB3dE5fG7')]],
  ['OpenAI-style ids', [system, user(), calls(null, call('call_8fKq2LmN0pRsTuVwXyZa1b2c')), result('call_8fKq2LmN0pRsTuVwXyZa1b2c')]],
  ['empty assistant content (Continue)', [system, user(), calls('', call('call_1')), result('call_1')]],
  ['null assistant content (Cline)', [system, user(), calls(null, call('call_1')), result('call_1')]],
  ['empty user content', [system, user(''), answer, user()]],
  ['two users in a row', [system, user(), user('<environment_details>cwd: /w</environment_details>')]],
  ['a late system message', [system, user(), answer, { role: 'system', content: 'Plan mode is on.' }, user('Go on.')]],
  [
    'a late developer message',
    [system, user(), calls(null, call('call_1')), result('call_1'), { role: 'developer', content: 'Summarise.' }],
  ],
  [
    'two tool calls in one turn',
    [system, user(), calls('Reading both.', call('call_1'), call('call_2', 'b.ts')), result('call_1'), result('call_2')],
  ],
  ['no system message', [user()]],
];

/** The renderer each template ends up with (the per-template list of issue #8). */
const TEMPLATES: Array<{ name: string; chatTemplate: string | null | undefined; renderer: 'model' | 'builtin'; ids: RegExp }> = [
  { name: 'generated (lenient)', chatTemplate: undefined, renderer: 'model', ids: /^call_[A-Za-z0-9]{24}$/ },
  { name: 'no template', chatTemplate: null, renderer: 'builtin', ids: /^call_[A-Za-z0-9]{24}$/ },
  ...(
    [
      ['role-alternation', 'builtin'],
      ['role-transitions', 'model'],
      ['integer-subscript', 'builtin'],
      ['content-length', 'model'],
      ['call-id', 'model'],
    ] as Array<[StrictTemplateName, 'model' | 'builtin']>
  ).map(([name, renderer]) => ({
    name,
    chatTemplate: strictTemplate(name),
    renderer,
    ids: name === 'call-id' ? /^[A-Za-z0-9]{9}$/ : /^call_[A-Za-z0-9]{24}$/,
  })),
];

interface Completion {
  choices: Array<{
    finish_reason: string;
    message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> };
  }>;
  usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

async function post(s: RealServer, messages: Message[]): Promise<{ status: number; body: Completion }> {
  const res = await fetch(`${s.server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test-key', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages, tools: TOOLS, temperature: 0 }),
  });
  return { status: res.status, body: (await res.json()) as Completion };
}

for (const template of TEMPLATES) {
  describe(`conversation shapes on the ${template.name} template`, () => {
    let s: RealServer;
    before(async () => {
      const modelPath = await testModelPath('scripted', template.chatTemplate === undefined ? {} : { chatTemplate: template.chatTemplate });
      s = await startRealServer({ modelPath, contextSize: 2048 });
    });
    after(() => s.close());

    it(`is rendered by the ${template.renderer} renderer, said once in the log`, () => {
      const lines = s.logs.filter((l) => String(l.msg).startsWith('chat template:'));
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(String(lines[0]?.msg).includes('built-in'), template.renderer === 'builtin', JSON.stringify(lines[0]));
    });

    for (const [shape, messages] of SHAPES) {
      it(`${shape} → 200`, async () => {
        const { status, body } = await post(s, messages);
        assert.equal(status, 200, JSON.stringify(body));
        const choice = body.choices[0];
        if (messages.at(-1)?.role === 'tool') {
          assert.deepEqual([choice?.finish_reason, choice?.message.content], ['stop', DEFAULT_AFTER_TOOL_TEXT]);
        } else {
          assert.equal(choice?.finish_reason, 'tool_calls');
          const calls = choice?.message.tool_calls ?? [];
          assert.deepEqual(
            calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]),
            [['attempt_completion', { result: 'done' }]],
          );
          assert.match(calls[0]?.id ?? '', template.ids);
        }
      });
    }

    it('the call it returned comes back in the next request with the prompt prefix reused', async () => {
      const opening = [system, user()];
      const first = await post(s, opening);
      const returned = first.body.choices[0]?.message.tool_calls?.[0];
      assert.ok(returned !== undefined);
      const next = await post(s, [
        ...opening,
        { role: 'assistant', content: null, tool_calls: [{ ...returned, type: 'function' }] },
        { role: 'tool', tool_call_id: returned.id, content: 'done' },
      ]);
      assert.equal(next.status, 200);
      assert.equal(next.body.choices[0]?.message.content, DEFAULT_AFTER_TOOL_TEXT);
      // The model sees the call as it wrote it (same id shown), so the slot's tokens are a prefix of the new prompt.
      assert.ok(
        next.body.usage.prompt_tokens_details.cached_tokens > first.body.usage.prompt_tokens,
        `cached ${next.body.usage.prompt_tokens_details.cached_tokens} of first prompt ${first.body.usage.prompt_tokens}`,
      );
    });
  });
}
