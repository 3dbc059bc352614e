/**
 * Scale-out on loopback with the real pieces: a fake OneGate in OneGate's shape, real `serve` engines on a
 * generated model, real nginx with njs (Debian's libnginx-mod-http-js) fed by the edge's discovery pass.
 * Conversations stick to one engine (their follow-ups reuse its prompt cache) although every request
 * shares one long system prompt; a hot conversation spills instead of queueing; `kill -9` of an engine
 * fails no new request, its in-flight stream ends instead of hanging, and the engine is re-added.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { type ScaleOutStack, startScaleOutStack } from '../../src/appliance/local/scale-out-stack.ts';
import { testModelPath } from '../support/test-models.ts';

const MAIN = join(import.meta.dirname, '../../src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'scale-out-'));
let stack: ScaleOutStack;
let client: OpenAI;
let model: string;

// Like Cline: one long system prompt (rules + tools) identical for every user and task.
const SYSTEM = `You are a coding agent. ${'Use the tools carefully and explain every change you make to the files. '.repeat(12)}`;
const TASKS = [
  'fix the parser',
  'add a unit test',
  'rename the module',
  'write the README',
  'profile the loop',
  'port to TypeScript',
  'bump the deps',
  'split the file',
  'add logging',
  'handle errors',
  'document the API',
  'remove dead code',
];

before(async () => {
  // A script that never ends (repeat) and has no tool-call or template markers: streams run until cut.
  const modelPath = await testModelPath('scripted', { text: 'the engine keeps writing this sentence ', repeat: true });
  model = basename(modelPath, '.gguf');
  stack = await startScaleOutStack({
    dir,
    engines: 2,
    modelPath,
    cliCommand: [process.execPath, MAIN],
    maxConnsPerEngine: 2,
    contextSize: 4096,
  });
  client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: stack.publicKey, maxRetries: 0 });
});
after(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function turn(messages: ChatCompletionMessageParam[], maxTokens = 4) {
  const { data, response } = await client.chat.completions.create({ model, messages, max_tokens: maxTokens }).withResponse();
  return {
    engine: response.headers.get('x-slm-copilot-engine') ?? '',
    text: data.choices[0]?.message.content ?? '',
    prompt: data.usage?.prompt_tokens ?? 0,
    cached: data.usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

describe('scale-out edge', () => {
  it('discovers both engines from OneGate and rejects the public key at the engines', async () => {
    assert.deepEqual(
      stack.view().engines.map((e) => e.state),
      ['routed', 'routed'],
    );
    const direct = await fetch(`http://${stack.engines[0]?.address}/v1/models`, {
      headers: { Authorization: `Bearer ${stack.publicKey}` },
    });
    assert.equal(direct.status, 401, 'an engine accepts only the internal credential');
    const noKey = await fetch(`${stack.url}/v1/models`);
    assert.equal(noKey.status, 401);
  });

  it('keeps each conversation on one engine and spreads conversations although the system prompt is shared', async () => {
    const conversations = TASKS.map((task) => [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: `<task>${task}</task>` },
    ]) as ChatCompletionMessageParam[][];
    const engineOf: string[][] = TASKS.map(() => []);
    for (let round = 0; round < 2; round++) {
      for (const [i, messages] of conversations.entries()) {
        const r = await turn(messages);
        engineOf[i]?.push(r.engine);
        messages.push({ role: 'assistant', content: r.text || '…' }, { role: 'user', content: `next step ${round}` });
      }
    }
    for (const [i, engines] of engineOf.entries()) assert.equal(new Set(engines).size, 1, `${TASKS[i]} moved: ${engines.join(', ')}`);
    const used = new Set(engineOf.map((e) => e[0]));
    assert.equal(used.size, 2, `all conversations on one engine: ${[...used].join(', ')}`);
  });

  it('a follow-up right after its turn reuses the engine cache', async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<task>cache me</task>' },
    ];
    const first = await turn(messages);
    messages.push({ role: 'assistant', content: first.text || '…' }, { role: 'user', content: 'and now?' });
    const second = await turn(messages);
    assert.equal(second.engine, first.engine);
    assert.ok(second.cached >= 0.8 * second.prompt, `cached ${second.cached} of ${second.prompt}`);
  });

  it('spills a hot conversation to the other engine instead of queueing it behind itself', async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<task>one busy user</task>' },
    ];
    // max_conns=2 per engine: four at once fill both engines; without the bound all four sit on one.
    const results = await Promise.all(Array.from({ length: 4 }, () => turn(messages, 48)));
    assert.equal(new Set(results.map((r) => r.engine)).size, 2, results.map((r) => r.engine).join(', '));
  });

  it('kill -9 of an engine: its stream ends, no new request fails, discovery drops it and re-adds it when it is back', async () => {
    const victimMessages: ChatCompletionMessageParam[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: '<task>long answer</task>' },
    ];
    const probe = await turn(victimMessages);
    const victim = stack.engines.findIndex((e) => e.address === probe.engine);
    assert.ok(victim >= 0, probe.engine);

    const stream = await client.chat.completions.create({
      model,
      messages: victimMessages,
      max_tokens: 3000,
      temperature: 0,
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    await stack.killEngine(victim);
    const started = Date.now();
    const finishReasons: string[] = [];
    let chunks = 0;
    const ended = await (async () => {
      try {
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
          chunks++;
          const reason = r.value.choices[0]?.finish_reason;
          if (reason) finishReasons.push(reason);
        }
        return 'ended';
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    })();
    // nginx cannot append an SSE error event after the upstream died; what the client must be able to tell
    // is that the answer is cut: no finish_reason and no [DONE] (the SDK raises or ends without a reason).
    assert.deepEqual(finishReasons, [], `a cut stream must not look finished (${ended}, ${chunks} chunks after the kill)`);
    assert.ok(Date.now() - started < 10_000, 'the stream ended promptly');

    // Before discovery notices: nginx moves every new request to the live engine.
    // Six at once: within what one engine's slot + queue takes (more would be a legitimate 429).
    const during = await Promise.allSettled(
      TASKS.slice(0, 6).map((task) =>
        turn([
          { role: 'system', content: SYSTEM },
          { role: 'user', content: `<task>${task}</task>` },
        ]),
      ),
    );
    assert.deepEqual(
      during.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
      [],
    );
    const rehomed = await turn(victimMessages);
    assert.notEqual(rehomed.engine, probe.engine);

    await stack.discover();
    assert.equal(stack.view().engines[victim]?.state, 'unreachable');
    const edgeMetrics = await fetch(`${stack.url}/metrics/edge`, { headers: { Authorization: `Bearer ${stack.publicKey}` } });
    assert.match(await edgeMetrics.text(), /slm_copilot_edge_engines\{state="unreachable"\} 1/);
    assert.equal((await fetch(`${stack.url}/metrics/edge`)).status, 401);
    await stack.startEngine(victim);
    await stack.discover();
    // A reload's old worker closes kept-alive connections after their response; a client reusing one in that
    // instant gets a reset (SDKs retry it; this client does not retry, so that failover failures show). Start
    // a fresh pool, as after any reload.
    client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: stack.publicKey, maxRetries: 0 });
    assert.equal(stack.view().engines[victim]?.state, 'routed');
    // Its share of conversations comes back (each pays one cold prefill there, as at a first visit).
    const after = [];
    for (const task of TASKS)
      after.push(
        (
          await turn([
            { role: 'system', content: SYSTEM },
            { role: 'user', content: `<task>${task}</task>` },
          ])
        ).engine,
      );
    assert.ok(after.includes(probe.engine), `the restarted engine gets no traffic: ${after.join(', ')}`);
  });
});
