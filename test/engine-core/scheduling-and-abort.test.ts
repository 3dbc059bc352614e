import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError, ShuttingDownError } from '../../src/engine/api/api-errors.ts';
import type { GenerationEvent, InferenceEngine } from '../../src/engine/inference/types.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { chat, run, sampling, startEngine, user } from './engine-fixture.ts';

/** Resolves when `predicate` holds for an event of the request. */
function eventWaiter(): { onEvent: (e: GenerationEvent) => void; when: (p: (e: GenerationEvent) => boolean) => Promise<void> } {
  const waiters: Array<{ p: (e: GenerationEvent) => boolean; resolve: () => void }> = [];
  return {
    onEvent(e) {
      for (const w of [...waiters]) {
        if (w.p(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    },
    when(p) {
      return new Promise((resolve) => waiters.push({ p, resolve }));
    },
  };
}

async function withEngine(engine: InferenceEngine, body: (engine: InferenceEngine) => Promise<void>): Promise<void> {
  try {
    await body(engine);
  } finally {
    await engine.close();
  }
}

describe('queue and cancellation (1 slot)', () => {
  it('refuses beyond the queue, drops an aborted waiter, stops an aborted generation and frees the slot', async () => {
    await withEngine(await startEngine('tiny', { contextSize: 4096, parallel: 1, queueLimit: 1 }), async (engine) => {
      const long = await engine.prepare(chat([user('Write forever')], { sampling: { temperature: 0.8, seed: 1 } }));
      const acA = new AbortController();
      const a = eventWaiter();
      const aEvents: GenerationEvent[] = [];
      const runA = engine.generate(long, {
        signal: acA.signal,
        onEvent: (e) => {
          aEvents.push(e);
          a.onEvent(e);
        },
      });
      await a.when((e) => e.type === 'content');
      assert.deepEqual(engine.stats(), { queueDepth: 0, queueLimit: 1, busySlots: 1, slots: 1 });

      // B waits in the queue; C finds the queue full.
      const acB = new AbortController();
      const short = await engine.prepare(chat([user('hi')], { sampling: { maxTokens: 3 } }));
      let bAcquired = false;
      let bAdmitted = false;
      const runB = engine.generate(short, {
        signal: acB.signal,
        onAdmitted: () => (bAdmitted = true),
        onSlotAcquired: () => (bAcquired = true),
      });
      assert.equal(bAdmitted, true, 'admitted to the queue before generate() returns');
      await new Promise((r) => setImmediate(r));
      assert.equal(engine.stats().queueDepth, 1);
      let cAdmitted = false;
      await assert.rejects(
        engine.generate(short, { signal: new AbortController().signal, onAdmitted: () => (cAdmitted = true) }),
        QueueFullError,
      );
      assert.equal(cAdmitted, false, 'a refused request is never admitted');

      // Aborting B while queued rejects it with the signal's reason and empties the queue.
      const reasonB = new Error('B went away');
      acB.abort(reasonB);
      await assert.rejects(runB, (e) => e === reasonB);
      assert.equal(bAcquired, false);
      assert.equal(engine.stats().queueDepth, 0);

      // Aborting A mid-generation stops it at the next token.
      const reasonA = new Error('A went away');
      acA.abort(reasonA);
      await assert.rejects(runA, (e) => e === reasonA);
      assert.ok(aEvents.filter((e) => e.type === 'content').length < long.maxTokens);
      assert.deepEqual(engine.stats(), { queueDepth: 0, queueLimit: 1, busySlots: 0, slots: 1 });

      const after = await run(engine, chat([user('hi')], { sampling: { maxTokens: 4 } }));
      assert.equal(after.result.usage.completionTokens, 4);
    });
  });

  it('an abort during prompt processing stops between chunks, frees the slot and keeps what was evaluated', async () => {
    const CHUNK = 16;
    let abortAfterChunks: { controller: AbortController; chunks: number } | undefined;
    let chunksSeen = 0;
    const engine = await startEngine(
      'tiny',
      { contextSize: 1024, parallel: 1, queueLimit: 1 },
      {
        prefillChunkTokens: CHUNK,
        onPrefillProgress: () => {
          chunksSeen++;
          if (abortAfterChunks !== undefined && chunksSeen === abortAfterChunks.chunks) {
            abortAfterChunks.controller.abort(new Error('gone during prefill'));
          }
        },
      },
    );
    await withEngine(engine, async () => {
      const prompt = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
      const prepared = await engine.prepare({ kind: 'completion', prompt, sampling: sampling({ maxTokens: 2 }) });
      assert.ok(prepared.promptTokens > 6 * CHUNK, `prompt only ${prepared.promptTokens} tokens`);
      const controller = new AbortController();
      abortAfterChunks = { controller, chunks: 3 };
      const events: GenerationEvent[] = [];
      await assert.rejects(engine.generate(prepared, { signal: controller.signal, onEvent: (e) => events.push(e) }), /gone during prefill/);
      assert.equal(chunksSeen, 3, 'no chunk is evaluated after the abort');
      assert.deepEqual(events, [], 'the prompt was never completed');
      assert.equal(engine.stats().busySlots, 0);

      abortAfterChunks = undefined;
      const retry = await engine.generate(prepared, { signal: new AbortController().signal });
      assert.equal(retry.usage.cachedTokens, 3 * CHUNK, 'the retry reuses exactly the evaluated chunks');
      assert.equal(retry.usage.completionTokens, 2);
    });
  });

  it('close() refuses queued work with ShuttingDownError and waits for the running request', async () => {
    const engine = await startEngine('tiny', { contextSize: 1024, parallel: 1, queueLimit: 2 });
    const running = await engine.prepare(chat([user('one')], { sampling: { maxTokens: 200 } }));
    const a = eventWaiter();
    const runA = engine.generate(running, { signal: new AbortController().signal, onEvent: a.onEvent });
    await a.when((e) => e.type === 'prompt-processed');
    const queued = engine.generate(running, { signal: new AbortController().signal });
    await new Promise((r) => setImmediate(r));
    const closing = engine.close();
    await assert.rejects(queued, ShuttingDownError);
    const result = await runA;
    assert.equal(result.usage.completionTokens, 200);
    await closing;
    assert.equal(engine.ready, false);
    await assert.rejects(engine.prepare(chat([user('x')])), ShuttingDownError);
  });
});

describe('parallel slots', () => {
  it('two slots serve two requests at the same time', async () => {
    await withEngine(await startEngine('tiny', { contextSize: 1024, parallel: 2, queueLimit: 0 }), async (engine) => {
      const order: string[] = [];
      let sawBothBusy = false;
      const start = async (name: string, text: string) => {
        const prepared = await engine.prepare(chat([user(text)], { sampling: { maxTokens: 120, temperature: 0.8, seed: 7 } }));
        return engine.generate(prepared, {
          signal: new AbortController().signal,
          onEvent: (e) => {
            if (e.type === 'content') order.push(name);
            if (engine.stats().busySlots === 2) sawBothBusy = true;
          },
        });
      };
      const [a, b] = await Promise.all([start('a', 'first request'), start('b', 'second request')]);
      assert.equal(a.usage.completionTokens, 120);
      assert.equal(b.usage.completionTokens, 120);
      assert.ok(sawBothBusy);
      const switches = order.slice(1).filter((name, i) => name !== order[i]).length;
      assert.ok(switches > 10, `tokens interleave (${switches} switches)`);
      // Both slots are now busy-free, and with queueLimit 0 a third concurrent request would be refused only while both run.
      assert.deepEqual(engine.stats(), { queueDepth: 0, queueLimit: 0, busySlots: 0, slots: 2 });
    });
  });

  it('a request goes to the slot that already holds its prefix', async () => {
    await withEngine(await startEngine('tiny', { contextSize: 1024, parallel: 2, queueLimit: 1 }), async (engine) => {
      const a1 = await run(engine, chat([user('Conversation A about apples')], { sampling: { maxTokens: 8 } }));
      const b1 = await run(engine, chat([user('Conversation B about bananas')], { sampling: { maxTokens: 8 } }));
      assert.ok(b1.result.usage.cachedTokens <= 3, 'B was not put on top of A (it took the other slot)');
      const a2 = await run(engine, chat([user('Conversation A about apples')], { sampling: { maxTokens: 8 } }));
      const b2 = await run(engine, chat([user('Conversation B about bananas')], { sampling: { maxTokens: 8 } }));
      assert.equal(a2.result.usage.cachedTokens, a1.result.usage.promptTokens - 1);
      assert.equal(b2.result.usage.cachedTokens, b1.result.usage.promptTokens - 1);
      assert.equal(a2.result.content, a1.result.content);
    });
  });

  it("the core's log lines carry the HTTP request id and the slot", async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    await withEngine(await startEngine('tiny', { contextSize: 1024, parallel: 2, queueLimit: 1 }, { logger }), async (engine) => {
      const generate = async (requestId: string, text: string, onEvent?: (e: GenerationEvent) => void) => {
        const prepared = await engine.prepare(chat([user(text)], { sampling: { maxTokens: 4 } }));
        await engine.generate(prepared, { signal: new AbortController().signal, requestId, ...(onEvent ? { onEvent } : {}) });
        return prepared.promptTokens;
      };
      const aTokens = await generate('req_a', 'Conversation A about apples');
      const bTokens = await generate('req_b', 'Conversation B about bananas');
      // A listener that throws is a failure that is not an abort: the slot (A's, by its prefix) is cleared.
      await assert.rejects(
        generate('req_c', 'Conversation A about apples', (e) => {
          if (e.type === 'content') throw new Error('listener failed');
        }),
        /^Error: listener failed$/,
      );
      const pick = (l: Record<string, unknown>) => ({ level: l['level'], msg: l['msg'], requestId: l['requestId'], slot: l['slot'] });
      assert.deepEqual(lines.filter((l) => l['requestId'] !== undefined).map(pick), [
        { level: 'debug', msg: 'slot assigned', requestId: 'req_a', slot: 0 },
        { level: 'debug', msg: 'slot assigned', requestId: 'req_b', slot: 1 },
        { level: 'debug', msg: 'slot assigned', requestId: 'req_c', slot: 0 },
        { level: 'warn', msg: 'generation failed; the slot starts empty', requestId: 'req_c', slot: 0 },
      ]);
      const assigned = lines.filter((l) => l['msg'] === 'slot assigned').map((l) => l['promptTokens']);
      assert.deepEqual(assigned, [aTokens, bTokens, aTokens]);
      assert.equal(lines.find((l) => l['level'] === 'warn')?.['error'], 'listener failed');
    });
  });
});
