import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueFullError, ShuttingDownError } from '../api/api-errors.ts';
import { Scheduler } from './scheduler.ts';

const first = (free: readonly number[]): number => free[0] as number;

describe('Scheduler', () => {
  it('grants free slots at once and reports them busy', async () => {
    const s = new Scheduler({ slots: 2, queueLimit: 1 });
    const a = await s.acquire(new AbortController().signal, first);
    const b = await s.acquire(new AbortController().signal, first);
    assert.deepEqual([a.slot, b.slot].sort(), [0, 1]);
    assert.deepEqual(s.stats(), { queueDepth: 0, queueLimit: 1, busySlots: 2, slots: 2 });
    a.release();
    a.release();
    assert.equal(s.stats().busySlots, 1);
  });

  it('lets the caller choose among free slots', async () => {
    const s = new Scheduler({ slots: 3, queueLimit: 0 });
    const lease = await s.acquire(new AbortController().signal, (free) => free[free.length - 1] as number);
    assert.equal(lease.slot, 2);
  });

  it('serves waiters first in, first out and refuses beyond the queue limit synchronously', async () => {
    const s = new Scheduler({ slots: 1, queueLimit: 2 });
    const held = await s.acquire(new AbortController().signal, first);
    const order: string[] = [];
    const w1 = s.acquire(new AbortController().signal, first).then((l) => {
      order.push('w1');
      return l;
    });
    const w2 = s.acquire(new AbortController().signal, first).then((l) => {
      order.push('w2');
      return l;
    });
    assert.equal(s.stats().queueDepth, 2);
    assert.throws(() => s.acquire(new AbortController().signal, first), QueueFullError);
    held.release();
    const l1 = await w1;
    assert.deepEqual(order, ['w1']);
    l1.release();
    (await w2).release();
    assert.deepEqual(order, ['w1', 'w2']);
    assert.deepEqual(s.stats(), { queueDepth: 0, queueLimit: 2, busySlots: 0, slots: 1 });
  });

  it('removes an aborted waiter from the queue and rejects with the signal reason', async () => {
    const s = new Scheduler({ slots: 1, queueLimit: 1 });
    const held = await s.acquire(new AbortController().signal, first);
    const ac = new AbortController();
    const waiting = s.acquire(ac.signal, first);
    const reason = new Error('client went away');
    ac.abort(reason);
    await assert.rejects(waiting, (e) => e === reason);
    assert.equal(s.stats().queueDepth, 0);
    const next = s.acquire(new AbortController().signal, first);
    held.release();
    assert.equal((await next).slot, 0);
  });

  it('throws the reason of an already aborted signal', () => {
    const s = new Scheduler({ slots: 1, queueLimit: 1 });
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    assert.throws(() => s.acquire(ac.signal, first), /gone/);
  });

  it('close() rejects waiters with ShuttingDownError, refuses new work and idle() waits for leases', async () => {
    const s = new Scheduler({ slots: 1, queueLimit: 3 });
    const held = await s.acquire(new AbortController().signal, first);
    const waiting = s.acquire(new AbortController().signal, first);
    s.close();
    await assert.rejects(waiting, ShuttingDownError);
    assert.throws(() => s.acquire(new AbortController().signal, first), ShuttingDownError);
    let idle = false;
    const idlePromise = s.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(idle, false);
    held.release();
    await idlePromise;
    assert.equal(idle, true);
  });

  it('measures queue time with the injected clock', async () => {
    let t = 100;
    const s = new Scheduler({ slots: 1, queueLimit: 1, now: () => t });
    const held = await s.acquire(new AbortController().signal, first);
    const waiting = s.acquire(new AbortController().signal, first);
    t = 350;
    held.release();
    assert.equal((await waiting).queueMs, 250);
  });
});
