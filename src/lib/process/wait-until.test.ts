import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WaitTimeoutError, waitUntil } from './wait-until.ts';

test('returns the first value the poll yields', async () => {
  let polls = 0;
  const value = await waitUntil('the third poll', () => (++polls === 3 ? { port: 8080 } : undefined), { timeoutMs: 5000, intervalMs: 1 });
  assert.deepEqual(value, { port: 8080 });
  assert.equal(polls, 3);
});

test('a timeout names what was awaited and what the last poll saw', async () => {
  let last = '';
  let polls = 0;
  const error = await waitUntil(
    'the engine to answer /readyz',
    () => {
      last = `HTTP 503 (poll ${++polls})`;
      return false;
    },
    { timeoutMs: 50, intervalMs: 5, state: () => last },
  ).catch((e: unknown) => e);
  assert.ok(error instanceof WaitTimeoutError);
  assert.equal(error.what, 'the engine to answer /readyz');
  assert.equal(error.message, `timed out after 50 ms waiting for the engine to answer /readyz (last: HTTP 503 (poll ${polls}))`);
});

test('a throwing poll fails the wait, unless errors are retried; then the last error is the state', async () => {
  const boom = new Error('ECONNREFUSED 127.0.0.1:9');
  await assert.rejects(
    waitUntil('x', () => Promise.reject(boom), { timeoutMs: 1000 }),
    (e) => e === boom,
  );
  await assert.rejects(
    waitUntil('the server', () => Promise.reject(boom), { timeoutMs: 30, intervalMs: 5, retryErrors: true }),
    {
      name: 'WaitTimeoutError',
      message: 'timed out after 30 ms waiting for the server (last: ECONNREFUSED 127.0.0.1:9)',
    },
  );
});

test('an aborted signal stops the wait at once with its reason', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('nginx (pid 42) exited with code 1')), 20);
  const started = Date.now();
  await assert.rejects(
    waitUntil('nginx to listen', () => false, { timeoutMs: 60_000, intervalMs: 10_000, signal: controller.signal }),
    {
      message: 'stopped waiting for nginx to listen: nginx (pid 42) exited with code 1',
    },
  );
  assert.ok(Date.now() - started < 30_000, 'did not sit out the interval');
});

test('a condition met before the process exited still counts', async () => {
  const controller = new AbortController();
  controller.abort(new Error('exited'));
  assert.equal(await waitUntil('the banner', () => 'seen', { timeoutMs: 1000, signal: controller.signal }), 'seen');
});
