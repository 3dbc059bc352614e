import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InvalidRequestError } from '../../src/engine/api/api-errors.ts';
import type { InferenceEngine } from '../../src/engine/inference/types.ts';
import { capOpenLengths, validatorFor } from '../support/schema-check.ts';
import { strictTemplate } from '../support/strict-templates.ts';
import { DEFAULT_AFTER_TOOL_TEXT, type TestModelOptions } from '../support/test-models.ts';
import { ATTEMPT_COMPLETION, chat, contentOf, READ_FILES, run, SET_MODE, startEngine, streamedCalls, user } from './engine-fixture.ts';

describe('tool calls on the scripted model', () => {
  let engine: InferenceEngine;
  before(async () => {
    engine = await startEngine('scripted');
  });
  after(() => engine.close());

  it('parses [TOOL_CALLS]name[ARGS]{json} into a call with valid JSON and finish tool_calls', async () => {
    const { result, events } = await run(engine, chat([user('Finish the task')], { tools: [READ_FILES, ATTEMPT_COMPLETION] }));
    assert.equal(result.finishReason, 'tool_calls');
    assert.equal(result.content, '');
    assert.equal(result.toolCalls.length, 1);
    const call = result.toolCalls[0];
    assert.ok(call);
    assert.equal(call.name, 'attempt_completion');
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.deepEqual(JSON.parse(call.arguments), { result: 'done' });
    assert.deepEqual(streamedCalls(events), [call]);
    assert.equal(events[0]?.type, 'prompt-processed');
    assert.equal(events.filter((e) => e.type === 'prompt-processed').length, 1);
    assert.equal(contentOf(events), '');
    assert.ok(result.usage.completionTokens > 0);
  });

  it('completes a tool round trip: the tool result turn is rendered and answered with prose', async () => {
    const first = await run(engine, chat([user('Finish the task')], { tools: [ATTEMPT_COMPLETION] }));
    const call = first.result.toolCalls[0];
    assert.ok(call);
    const { result, events } = await run(
      engine,
      chat(
        [
          user('Finish the task'),
          { role: 'assistant', content: '', toolCalls: [call] },
          { role: 'tool', content: '{"ok":true}', toolCallId: call.id },
        ],
        { tools: [ATTEMPT_COMPLETION] },
      ),
    );
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.content, DEFAULT_AFTER_TOOL_TEXT);
    assert.equal(contentOf(events), DEFAULT_AFTER_TOOL_TEXT);
    assert.deepEqual(result.toolCalls, []);
    // The second prompt extends the first one up to the generated call.
    assert.ok(result.usage.cachedTokens >= first.result.usage.promptTokens, `cached ${result.usage.cachedTokens}`);
  });

  it('tool_choice none renders no tools and parses nothing', async () => {
    const withTools = await engine.prepare(chat([user('x')], { tools: [ATTEMPT_COMPLETION] }));
    const { result } = await run(engine, chat([user('x')], { tools: [ATTEMPT_COMPLETION], toolChoice: { type: 'none' } }));
    const none = await engine.prepare(chat([user('x')], { tools: [ATTEMPT_COMPLETION], toolChoice: { type: 'none' } }));
    assert.ok(none.promptTokens < withTools.promptTokens);
    assert.deepEqual(result.toolCalls, []);
    assert.notEqual(result.finishReason, 'tool_calls');
    assert.doesNotMatch(result.content, /\[TOOL_CALLS\]|\[ARGS\]/);
  });

  it('rejects a named tool_choice that is not declared', async () => {
    await assert.rejects(
      engine.prepare(chat([user('x')], { tools: [ATTEMPT_COMPLETION], toolChoice: { type: 'function', name: 'nope' } })),
      (e) => e instanceof InvalidRequestError && e.param === 'tool_choice',
    );
  });
});

describe('prose on the scripted model', () => {
  const PROSE = 'Hello there! Ünïcödé → ok. 😀 The end.';
  let engine: InferenceEngine;
  before(async () => {
    engine = await startEngine('scripted', { model: { text: PROSE } });
  });
  after(() => engine.close());

  it('streams the scripted text exactly, in whole characters, with finish stop', async () => {
    const { result, events } = await run(engine, chat([user('Say hello')]));
    assert.equal(result.content, PROSE);
    assert.equal(contentOf(events), PROSE);
    assert.equal(result.finishReason, 'stop');
    for (const e of events) if (e.type === 'content') assert.ok(!e.text.includes('\uFFFD'));
  });

  it('cuts at a stop string and leaves it out', async () => {
    const { result, events } = await run(engine, chat([user('Say hello')], { sampling: { stop: ['→'] } }));
    assert.equal(result.content, 'Hello there! Ünïcödé ');
    assert.equal(contentOf(events), result.content);
    assert.equal(result.finishReason, 'stop');
  });

  it('ends with finish length when max tokens run out', async () => {
    const { result } = await run(engine, chat([user('Say hello')], { sampling: { maxTokens: 3 } }));
    assert.equal(result.finishReason, 'length');
    assert.equal(result.usage.completionTokens, 3);
    assert.ok(PROSE.startsWith(result.content) && result.content.length < PROSE.length);
  });
});

describe('a tool name that is a prefix of another declared name', () => {
  const READ = {
    name: 'read',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
  };
  const READ_FILE = { ...READ, name: 'read_file' };
  let engine: InferenceEngine;
  before(async () => {
    engine = await startEngine('scripted', { model: { text: '[TOOL_CALLS]read[ARGS]{"path":"a.txt"}' } });
  });
  after(() => engine.close());

  it('ends the name where the model puts its [ARGS] control token', async () => {
    for (const tools of [
      [READ, READ_FILE],
      [READ_FILE, READ],
    ]) {
      const { result } = await run(engine, chat([user('Read a.txt')], { tools }));
      assert.equal(result.finishReason, 'tool_calls');
      assert.deepEqual(
        result.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]),
        [['read', { path: 'a.txt' }]],
      );
    }
  });
});

const FORMATS: Array<[string, TestModelOptions, RegExp]> = [
  ['Devstral v13 (generated template)', {}, /^call_[A-Za-z0-9]{24}$/],
  ['[CALL_ID] (Mistral Small 3.2 template)', { chatTemplate: strictTemplate('call-id') }, /^[A-Za-z0-9]{9}$/],
];

for (const [format, model, ids] of FORMATS) {
  describe(`forced tool calls on the random tiny model, ${format}`, () => {
    let engine: InferenceEngine;
    before(async () => {
      engine = await startEngine('tiny', { model });
    });
    after(() => engine.close());

    it('tool_choice required yields a declared tool with valid JSON arguments', async () => {
      for (const seed of [1, 2, 3]) {
        const { result, events } = await run(
          engine,
          chat([user('Pick something')], {
            tools: [SET_MODE, ATTEMPT_COMPLETION],
            toolChoice: { type: 'required' },
            sampling: { temperature: 0.8, seed, maxTokens: 400 },
          }),
        );
        assert.equal(result.finishReason, 'tool_calls', `seed ${seed}: ${JSON.stringify(result)}`);
        assert.ok(result.toolCalls.length >= 1);
        for (const call of result.toolCalls) {
          assert.ok(['set_mode', 'attempt_completion'].includes(call.name), call.name);
          assert.match(call.id, ids);
          const args = JSON.parse(call.arguments) as Record<string, unknown>;
          if (call.name === 'set_mode') {
            assert.ok(args.mode === 'plan' || args.mode === 'act');
            assert.equal(typeof args.confirm, 'boolean');
          }
        }
        assert.deepEqual(streamedCalls(events), result.toolCalls);
      }
    });

    it('tool_choice required with prefix-sharing names still yields a declared name and valid JSON', async () => {
      const MODE_NOW = { ...SET_MODE, name: 'set_mode_now' };
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const { result } = await run(
          engine,
          chat([user('Pick')], {
            tools: [SET_MODE, MODE_NOW],
            toolChoice: { type: 'required' },
            sampling: { temperature: 1, seed, maxTokens: 400 },
          }),
        );
        assert.equal(result.finishReason, 'tool_calls', `seed ${seed}: ${JSON.stringify(result)}`);
        for (const call of result.toolCalls) {
          assert.ok(['set_mode', 'set_mode_now'].includes(call.name), call.name);
          assert.equal(typeof JSON.parse(call.arguments), 'object');
        }
      }
    });

    it('a named tool_choice forces that tool and its schema', async () => {
      const { result, events } = await run(
        engine,
        chat([user('Go')], {
          tools: [ATTEMPT_COMPLETION, SET_MODE],
          toolChoice: { type: 'function', name: 'set_mode' },
          sampling: { maxTokens: 200 },
        }),
      );
      assert.equal(result.finishReason, 'tool_calls');
      assert.equal(result.toolCalls.length, 1);
      assert.equal(result.toolCalls[0]?.name, 'set_mode');
      const args = JSON.parse(result.toolCalls[0]?.arguments ?? '') as Record<string, unknown>;
      assert.deepEqual(Object.keys(args).sort(), ['confirm', 'mode']);
      assert.equal(events[1]?.type === 'tool-call-start' && events[1].id, result.toolCalls[0]?.id);
      assert.match(result.toolCalls[0]?.id ?? '', ids);
    });
  });
}

describe('generic-JSON arguments and JSON output on the random tiny model', () => {
  let engine: InferenceEngine;
  before(async () => {
    engine = await startEngine('tiny');
  });
  after(() => engine.close());

  it('a Cline-style schema (anyOf/null, exclusiveMinimum, minLength, minItems) constrains the arguments to valid instances', async () => {
    const { result } = await run(
      engine,
      chat([user('Read')], {
        tools: [{ ...READ_FILES, parameters: capOpenLengths(READ_FILES.parameters) as Record<string, unknown> }],
        toolChoice: { type: 'function', name: 'read_files' },
        sampling: { temperature: 0.7, seed: 5, maxTokens: 1500 },
      }),
    );
    assert.equal(result.finishReason, 'tool_calls', JSON.stringify(result));
    const args: unknown = JSON.parse(result.toolCalls[0]?.arguments ?? '');
    assert.ok(validatorFor(READ_FILES.parameters)(args), JSON.stringify(args));
  });

  it('response_format json_object makes the content parse as a JSON object', async () => {
    const { result } = await run(
      engine,
      chat([user('JSON please')], { responseFormat: { type: 'json_object' }, sampling: { temperature: 0.7, seed: 9, maxTokens: 1500 } }),
    );
    assert.equal(result.finishReason, 'stop', JSON.stringify(result));
    const value: unknown = JSON.parse(result.content);
    assert.equal(typeof value, 'object');
    assert.ok(value !== null && !Array.isArray(value));
  });

  it('response_format json_schema follows a closed schema', async () => {
    const { result } = await run(
      engine,
      chat([user('JSON please')], {
        responseFormat: { type: 'json_schema', name: 'mode', schema: SET_MODE.parameters ?? {} },
        sampling: { temperature: 0.7, seed: 4, maxTokens: 300 },
      }),
    );
    const value = JSON.parse(result.content) as Record<string, unknown>;
    assert.ok(value.mode === 'plan' || value.mode === 'act');
    assert.equal(typeof value.confirm, 'boolean');
  });
});

describe('the [CALL_ID] format (Mistral Small 3.2 template) on the scripted model', () => {
  let scripted: InferenceEngine;
  before(async () => {
    scripted = await startEngine('scripted', { model: { chatTemplate: strictTemplate('call-id') } });
  });
  after(() => scripted.close());

  it('writes a fresh 9-alphanumeric id after the name; the model goes on with the arguments', async () => {
    const { result, events } = await run(scripted, chat([user('Finish the task')], { tools: [ATTEMPT_COMPLETION] }));
    assert.equal(result.finishReason, 'tool_calls');
    const call = result.toolCalls[0];
    assert.match(call?.id ?? '', /^[A-Za-z0-9]{9}$/);
    assert.deepEqual(JSON.parse(call?.arguments ?? ''), { result: 'done' });
    assert.deepEqual(streamedCalls(events), result.toolCalls);
    // The id is in the model's context, so it derives from the prompt: the same request, the same id.
    const again = await run(scripted, chat([user('Finish the task')], { tools: [ATTEMPT_COMPLETION] }));
    assert.equal(again.result.toolCalls[0]?.id, call?.id);
    const other = await run(scripted, chat([user('Finish the other task')], { tools: [ATTEMPT_COMPLETION] }));
    assert.notEqual(other.result.toolCalls[0]?.id, call?.id);
  });
});
