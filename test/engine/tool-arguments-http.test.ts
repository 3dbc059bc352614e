/**
 * Schema-true tool arguments end to end: engine → HTTP → the official openai SDK.
 *
 * The reported bug: with `tools=[Read{path: string, required}]` the scripted model (trained to call
 * attempt_completion with {"result":"done"}) got `Read` with `{"result":"done"}`, because arguments
 * were generic JSON. Now the Read schema's grammar decides the keys.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatCompletion, ChatCompletionTool } from 'openai/resources/chat/completions';
import { type RealServer, startRealServer } from '../support/real-server.ts';
import { validatorFor } from '../support/schema-check.ts';
import { testModelPath } from '../support/test-models.ts';

const READ_SCHEMA = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
const READ: ChatCompletionTool = { type: 'function', function: { name: 'Read', description: 'Read a file.', parameters: READ_SCHEMA } };

describe('Read{path} arguments through HTTP and the openai SDK (scripted model)', () => {
  let s: RealServer;
  before(async () => {
    s = await startRealServer({ modelPath: await testModelPath('scripted'), modelId: 'scripted', contextSize: 2048 });
  });
  after(() => s.close());

  test('non-stream: the arguments parse and validate against Read', async () => {
    const validate = validatorFor(READ_SCHEMA);
    for (const seed of [1, 2, 3, 4, 5]) {
      const res: ChatCompletion = await s.client.chat.completions.create({
        model: 'scripted',
        messages: [{ role: 'user', content: 'Read a.txt' }],
        tools: [READ],
        temperature: 1,
        seed,
        max_tokens: 300,
      });
      const choice = res.choices[0]!;
      assert.equal(choice.finish_reason, 'tool_calls', `seed ${seed}: ${JSON.stringify(choice)}`);
      const call = choice.message.tool_calls![0]!;
      assert.ok(call.type === 'function' && call.function.name === 'Read');
      const args: unknown = JSON.parse(call.function.arguments);
      assert.ok(validate(args), `seed ${seed}: ${call.function.arguments}`);
    }
  });

  test('stream: the argument deltas reassemble into a valid Read call', async () => {
    const stream = await s.client.chat.completions.create({
      model: 'scripted',
      messages: [{ role: 'user', content: 'Read a.txt' }],
      tools: [READ],
      temperature: 1,
      seed: 7,
      max_tokens: 300,
      stream: true,
    });
    let name = '';
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const d of choice?.delta.tool_calls ?? []) {
        name += d.function?.name ?? '';
        args += d.function?.arguments ?? '';
      }
      finish = choice?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.equal(name, 'Read');
    assert.ok(validatorFor(READ_SCHEMA)(JSON.parse(args)), args);
  });

  test('a keyword the grammar cannot enforce is logged once per tool, naming tool and keyword', async () => {
    const patterned = (name: string): ChatCompletionTool => ({
      type: 'function',
      function: { name, parameters: { type: 'object', properties: { path: { type: 'string', pattern: '^/' } }, required: ['path'] } },
    });
    for (const tools of [[patterned('Open')], [patterned('Open')], [patterned('Open'), patterned('Stat')]]) {
      await s.client.chat.completions.create({ model: 'scripted', messages: [{ role: 'user', content: 'x' }], tools, max_tokens: 1 });
    }
    const warnings = s.logs.filter((l) => l.level === 'warn' && Array.isArray(l.keywords));
    assert.deepEqual(
      warnings.map((w) => [w.tool, w.keywords, w.at]),
      [
        ['Open', ['pattern'], ['/properties/path pattern']],
        ['Stat', ['pattern'], ['/properties/path pattern']],
      ],
    );
  });
});

describe('parallel_tool_calls through the openai SDK (scripted model that calls read again and again)', () => {
  const READ_PATH: ChatCompletionTool = {
    type: 'function',
    function: {
      name: 'read',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
    },
  };
  let s: RealServer;
  before(async () => {
    const modelPath = await testModelPath('scripted', { text: '[TOOL_CALLS]read[ARGS]{"path":"a.txt"}', repeat: true });
    s = await startRealServer({ modelPath, modelId: 'repeating', contextSize: 2048 });
  });
  after(() => s.close());

  const callsOf = async (parallel: boolean | undefined) => {
    const res = await s.client.chat.completions.create({
      model: 'repeating',
      messages: [{ role: 'user', content: 'Read a.txt' }],
      tools: [READ_PATH],
      temperature: 0,
      max_tokens: 40,
      ...(parallel === undefined ? {} : { parallel_tool_calls: parallel }),
    });
    const choice = res.choices[0]!;
    const calls = (choice.message.tool_calls ?? []).map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : []));
    return { finish: choice.finish_reason, calls };
  };

  test('by default (and with true) the calls keep coming until the token budget', async () => {
    for (const parallel of [undefined, true]) {
      const { calls } = await callsOf(parallel);
      assert.ok(calls.length >= 2, JSON.stringify(calls));
      for (const call of calls) assert.deepEqual(call, ['read', '{"path":"a.txt"}']);
    }
  });

  test('parallel_tool_calls: false ends the response after the first call', async () => {
    assert.deepEqual(await callsOf(false), { finish: 'tool_calls', calls: [['read', '{"path":"a.txt"}']] });
  });
});
