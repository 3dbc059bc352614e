import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ParsedEvent, type ParserInput, ToolCallParser } from './tool-call-parser.ts';

const T = (text: string): ParserInput => ({ type: 'text', text });
const CALLS: ParserInput = { type: 'marker', marker: 'call' };
const CALL_ID: ParserInput = { type: 'marker', marker: 'call-id' };
const ARGS: ParserInput = { type: 'marker', marker: 'args' };

function run(pieces: ParserInput[]): { parser: ToolCallParser; events: ParsedEvent[] } {
  let n = 0;
  const parser = new ToolCallParser((inOutput) => inOutput ?? `call_${++n}`);
  const events = pieces.flatMap((p) => parser.push(p));
  return { parser, events };
}

describe('ToolCallParser', () => {
  it('passes plain text through as content', () => {
    const { parser, events } = run([T('Hel'), T('lo'), T(' world')]);
    assert.deepEqual(events, [
      { type: 'content', text: 'Hel' },
      { type: 'content', text: 'lo' },
      { type: 'content', text: ' world' },
    ]);
    assert.equal(parser.phase, 'content');
    assert.deepEqual(parser.completedCalls, []);
  });

  it('parses one call split across many small pieces', () => {
    const { parser, events } = run([
      CALLS,
      T('attempt'),
      T('_comp'),
      T('letion'),
      ARGS,
      T('{"re'),
      T('sult":'),
      T('"do'),
      T('ne"'),
      T('}'),
    ]);
    assert.deepEqual(events[0], { type: 'tool-call-start', index: 0, id: 'call_1', name: 'attempt_completion' });
    const args = events.filter((e) => e.type === 'tool-call-arguments').map((e) => (e.type === 'tool-call-arguments' ? e.delta : ''));
    assert.equal(args.join(''), '{"result":"done"}');
    assert.equal(parser.phase, 'after-arguments');
    assert.deepEqual(parser.completedCalls, [{ id: 'call_1', name: 'attempt_completion', arguments: '{"result":"done"}' }]);
    assert.deepEqual(JSON.parse(parser.completedCalls[0]?.arguments ?? ''), { result: 'done' });
  });

  it('keeps content before a call and parses several calls', () => {
    const { parser, events } = run([
      T('Let me look.'),
      CALLS,
      T('read'),
      ARGS,
      T('{"path":"a}b"}'),
      CALLS,
      T('write'),
      ARGS,
      T('{"x":[1,{"y":2}]}'),
    ]);
    assert.deepEqual(events[0], { type: 'content', text: 'Let me look.' });
    assert.deepEqual(
      parser.completedCalls.map((c) => [c.id, c.name, c.arguments]),
      [
        ['call_1', 'read', '{"path":"a}b"}'],
        ['call_2', 'write', '{"x":[1,{"y":2}]}'],
      ],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'tool-call-start').map((e) => (e.type === 'tool-call-start' ? e.index : -1)),
      [0, 1],
    );
  });

  it('handles escaped quotes and braces inside strings', () => {
    const { parser } = run([CALLS, T('f'), ARGS, T('{"s":"he said \\"}\\" ok'), T('"}')]);
    assert.equal(parser.completedCalls[0]?.arguments, '{"s":"he said \\"}\\" ok"}');
    assert.doesNotThrow(() => JSON.parse(parser.completedCalls[0]?.arguments ?? ''));
  });

  it('splits a piece where the value closes and keeps trailing text as content', () => {
    const { parser, events } = run([CALLS, T('f'), ARGS, T(' {"a":1} and more')]);
    assert.equal(parser.completedCalls[0]?.arguments, '{"a":1}');
    assert.deepEqual(events.at(-1), { type: 'content', text: ' and more' });
  });

  it('reports an unfinished call', () => {
    const { parser } = run([CALLS, T('f'), ARGS, T('{"a":')]);
    assert.equal(parser.hasIncompleteCall, true);
    assert.deepEqual(parser.completedCalls, []);
    assert.equal(parser.startedCalls.length, 1);
  });

  it('exposes the pending name while in the name phase', () => {
    const { parser } = run([CALLS, T('rea')]);
    assert.equal(parser.phase, 'name');
    assert.equal(parser.pendingName, 'rea');
  });

  it('reads the id between [CALL_ID] and [ARGS] and hands it to resolveId (id formats)', () => {
    const { parser, events } = run([CALLS, T('read'), CALL_ID, T('aB3'), T('dE5fG7'), ARGS, T('{}'), CALLS, T('f'), ARGS, T('{}')]);
    assert.equal(events[0]?.type === 'tool-call-start' && events[0].id, 'aB3dE5fG7');
    assert.deepEqual(
      parser.completedCalls.map((c) => c.id),
      ['aB3dE5fG7', 'call_1'],
      'a call without an id section gets a fresh one',
    );
  });
});
