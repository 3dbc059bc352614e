import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Token } from 'node-llama-cpp';
import { devstralV13Format } from '../chat/devstral-v13-format.ts';
import { mistralCallIdFormat } from '../chat/mistral-call-id-format.ts';
import { forcedInputs, PreparedRequest } from './prepared-request.ts';

test('ids read from the output map back to the client’s ids the prompt showed in their place', () => {
  const req = new PreparedRequest({
    kind: 'chat',
    tokens: [1, 2] as Token[],
    maxTokens: 4,
    sampling: { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, stop: [] },
    tools: undefined,
    contentGrammar: undefined,
    callIds: new Map([['Xk29dPq0A', 'call_1']]),
  });
  assert.equal(req.clientCallId('Xk29dPq0A'), 'call_1');
  assert.equal(req.clientCallId('aB3dE5fG7'), 'aB3dE5fG7');
});

test('a forced named call ends the prompt with the format’s syntax up to the arguments', () => {
  const forced = { type: 'named', name: 'read', id: 'aB3dE5fG7' } as const;
  assert.deepEqual(forcedInputs(forced, devstralV13Format), [
    { type: 'marker', marker: 'call' },
    { type: 'text', text: 'read' },
    { type: 'marker', marker: 'args' },
  ]);
  assert.deepEqual(forcedInputs(forced, mistralCallIdFormat), [
    { type: 'marker', marker: 'call' },
    { type: 'text', text: 'read' },
    { type: 'marker', marker: 'call-id' },
    { type: 'text', text: 'aB3dE5fG7' },
    { type: 'marker', marker: 'args' },
  ]);
  assert.deepEqual(forcedInputs({ type: 'none' }, mistralCallIdFormat), []);
});
