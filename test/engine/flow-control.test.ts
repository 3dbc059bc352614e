import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, test } from 'node:test';
import { InternalError } from '../../src/engine/api/api-errors.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { chatBody, DONE_FRAME, dataFrames, frameText, jsonHeaders, readSseEvents, startFakeServer } from '../support/fake-server.ts';

const post = (url: string, body: string, init: RequestInit = {}) =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: jsonHeaders, body, ...init });

async function until(check: () => boolean, what: string): Promise<void> {
  await waitUntil(what, check, { timeoutMs: 5_000, intervalMs: 10 });
}

describe('pings, cancel, queue, shutdown (fake engine)', () => {
  test('SSE comments keep the stream alive while queued and during prompt processing', async () => {
    let runs = 0;
    // The first request has a slow prefill; the second has none, so its pings can only come from its queue wait.
    const s = await startFakeServer({ script: () => ({ prefillMs: runs++ === 0 ? 400 : 0 }) }, { pingIntervalMs: 50 });
    try {
      const [a, b] = await Promise.all([post(s.url, chatBody({ stream: true })), post(s.url, chatBody({ stream: true }))]);
      assert.equal(a.status, 200);
      assert.equal(b.status, 200);
      const [eventsA, eventsB] = await Promise.all([readSseEvents(a), readSseEvents(b)]);
      for (const events of [eventsA, eventsB]) {
        assert.ok(frameText(events[0]).includes('"role":"assistant"'));
        const firstContent = events.findIndex((e) => frameText(e).includes('"content":"Hello"'));
        const pings = events.slice(0, firstContent).filter((e) => e.kind === 'comment' && e.text === 'ping').length;
        assert.ok(pings >= 2, `expected pings before the first token, got ${JSON.stringify(events)}`);
        assert.deepEqual(events.at(-1), DONE_FRAME);
      }
    } finally {
      await s.close();
    }
  });

  test('a client that disconnects mid-stream aborts the generation and frees the slot', async () => {
    const s = await startFakeServer({
      script: () => ({ eventDelayMs: 30, events: Array.from({ length: 200 }, () => ({ type: 'content', text: 'x' })) }),
    });
    try {
      const controller = new AbortController();
      const res = await post(s.url, chatBody({ stream: true }), { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      await until(() => s.engine.runs.length === 1, 'the generation to start');
      controller.abort();
      assert.equal(await s.engine.runs[0]!.settled, 'aborted');
      assert.ok(s.engine.runs[0]!.signal.aborted);
      assert.equal(s.engine.stats().busySlots, 0);
      await until(() => s.logs.some((l) => l['msg'] === 'request' && l['status'] === 499), 'the 499 log line');
      // The slot really is free: the next request completes.
      const next = await post(s.url, JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }));
      assert.equal(next.status, 200);
    } finally {
      await s.close();
    }
  });

  test('a client that disconnects while queued leaves the queue; non-stream disconnect aborts too', async () => {
    const s = await startFakeServer({ script: () => ({ prefillMs: 10_000 }) });
    try {
      const first = new AbortController();
      const firstReq = post(s.url, chatBody(), { signal: first.signal }).catch(() => undefined);
      await until(() => s.engine.stats().busySlots === 1, 'the slot to be taken');
      const second = new AbortController();
      const secondReq = post(s.url, chatBody({ stream: true }), { signal: second.signal }).then(
        (r) => r.body?.getReader().read(),
        () => undefined,
      );
      await until(() => s.engine.stats().queueDepth === 1, 'the second request to queue');
      second.abort();
      await secondReq.catch(() => undefined);
      assert.equal(await s.engine.runs[1]!.settled, 'aborted');
      assert.equal(s.engine.stats().queueDepth, 0);
      first.abort();
      await firstReq;
      assert.equal(await s.engine.runs[0]!.settled, 'aborted');
      assert.equal(s.engine.stats().busySlots, 0);
    } finally {
      await s.close();
    }
  });

  test('a full queue answers 429 with Retry-After and OpenAI error JSON', async () => {
    const s = await startFakeServer({ queueLimit: 1, script: () => ({ prefillMs: 10_000 }) });
    const controllers = [new AbortController(), new AbortController()];
    try {
      const pending = controllers.map((c) => post(s.url, chatBody({ stream: true }), { signal: c.signal }).catch(() => undefined));
      await until(() => s.engine.stats().busySlots === 1 && s.engine.stats().queueDepth === 1, 'slot + queue to fill');
      for (const stream of [false, true]) {
        const res = await post(s.url, chatBody({ stream }));
        assert.equal(res.status, 429);
        assert.equal(res.headers.get('retry-after'), '2');
        const body = (await res.json()) as { error: Record<string, unknown> };
        assert.equal(body.error['type'], 'rate_limit_error');
        assert.equal(body.error['code'], 'queue_full');
      }
      for (const c of controllers) c.abort();
      await Promise.all(pending);
    } finally {
      await s.close();
    }
  });

  test('an error after the stream started becomes a data: {"error":…} frame', async () => {
    const s = await startFakeServer({ script: () => ({ eventDelayMs: 20, failWith: new InternalError('decode failed') }) });
    try {
      const res = await post(s.url, chatBody({ stream: true }));
      assert.equal(res.status, 200);
      const events = await readSseEvents(res);
      assert.ok(!events.some((e) => frameText(e) === '[DONE]'));
      const last = dataFrames(events).at(-1)!;
      assert.deepEqual(last, { error: { message: 'decode failed', type: 'server_error', param: null, code: null } });
    } finally {
      await s.close();
    }
  });

  test('a request over the time limit is stopped with a timeout error', async () => {
    const s = await startFakeServer({ script: () => ({ prefillMs: 5_000 }) }, { requestTimeoutMs: 100 });
    try {
      const res = await post(s.url, chatBody());
      assert.equal(res.status, 504);
      const body = (await res.json()) as { error: Record<string, unknown> };
      assert.equal(body.error['code'], 'request_timeout');
      assert.equal(await s.engine.runs[0]!.settled, 'aborted');
    } finally {
      await s.close();
    }
  });

  test('shutdown: readyz turns 503, new work gets 503, in-flight streams past the grace get an error frame', async () => {
    const s = await startFakeServer({ script: () => ({ prefillMs: 60_000 }) });
    const res = await post(s.url, chatBody({ stream: true }));
    await until(() => s.engine.stats().busySlots === 1, 'the slot to be taken');
    const stopped = s.server.shutdown(200);
    assert.equal(s.server.lifecycle.draining, true);
    // The listener is closing; ask the app directly, as a kept-alive connection would.
    const ready = await s.server.app.request('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { status: string }).status, 'shutting_down');
    const late = await s.server.app.request('/v1/chat/completions', { method: 'POST', headers: jsonHeaders, body: chatBody() });
    assert.equal(late.status, 503);
    const events = await readSseEvents(res);
    const last = dataFrames(events).at(-1)!;
    assert.equal((last['error'] as Record<string, unknown>)['code'], 'shutting_down');
    await stopped;
    assert.equal(await s.engine.runs[0]!.settled, 'aborted');
  });

  test('shutdown lets a request that finishes within the grace period complete', async () => {
    const s = await startFakeServer({ script: () => ({ prefillMs: 200 }) });
    const pending = post(s.url, chatBody());
    await until(() => s.engine.stats().busySlots === 1, 'the slot to be taken');
    await s.server.shutdown(5_000);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'Hello, world');
  });

  test('headers are flushed before the first event', async () => {
    const s = await startFakeServer({ script: () => ({ prefillMs: 2_000 }) }, { pingIntervalMs: 0 });
    try {
      const url = new URL(`${s.url}/v1/chat/completions`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(url, { method: 'POST', headers: jsonHeaders }, (r) => {
          resolve(r.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.end(chatBody({ stream: true }));
      });
      // Resolved by the headers alone, while the fake engine is still "processing the prompt".
      assert.equal(status, 200);
      assert.equal(s.engine.runs[0]!.signal.aborted || s.engine.stats().busySlots === 1, true);
    } finally {
      await s.close();
    }
  });
});
