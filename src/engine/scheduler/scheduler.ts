/**
 * Slots and a bounded FIFO queue. A request either gets a free slot at once, waits in the queue
 * (first come, first served), or is refused with `QueueFullError` when `queueLimit` requests are
 * already waiting. The scheduler knows nothing about inference: which free slot a request gets is
 * decided by the caller's `choose` (the engine picks the slot whose cached tokens share the longest
 * prefix with the prompt).
 */
import { QueueFullError, ShuttingDownError } from '../api/api-errors.ts';
import type { EngineStats } from '../inference/types.ts';

export interface SchedulerOptions {
  slots: number;
  queueLimit: number;
  now?: () => number;
}

export interface SlotLease {
  readonly slot: number;
  /** Milliseconds spent waiting in the queue. */
  readonly queueMs: number;
  /** Gives the slot back; the next waiting request gets it. Idempotent. */
  release(): void;
}

/** Picks one of the free slot indexes (never empty). */
export type ChooseSlot = (free: readonly number[]) => number;

interface Waiter {
  choose: ChooseSlot;
  enqueuedAt: number;
  resolve: (lease: SlotLease) => void;
  reject: (reason: unknown) => void;
  cleanup: () => void;
}

export class Scheduler {
  readonly #slots: boolean[];
  readonly #queueLimit: number;
  readonly #now: () => number;
  readonly #queue: Waiter[] = [];
  #closed = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: SchedulerOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new RangeError('slots must be an integer ≥ 1');
    if (!Number.isInteger(options.queueLimit) || options.queueLimit < 0) {
      throw new RangeError('queueLimit must be an integer ≥ 0');
    }
    this.#slots = Array.from({ length: options.slots }, () => false);
    this.#queueLimit = options.queueLimit;
    this.#now = options.now ?? (() => performance.now());
  }

  stats(): EngineStats {
    return {
      queueDepth: this.#queue.length,
      queueLimit: this.#queueLimit,
      busySlots: this.#slots.filter(Boolean).length,
      slots: this.#slots.length,
    };
  }

  /**
   * Resolves with a slot lease. Throws synchronously, before any waiting, `QueueFullError` when the
   * queue is full, `ShuttingDownError` after `close()` and the signal's reason when it is already
   * aborted; rejects with the signal's reason when aborted while waiting (the entry leaves the queue).
   */
  acquire(signal: AbortSignal, choose: ChooseSlot): Promise<SlotLease> {
    if (this.#closed) throw new ShuttingDownError();
    if (signal.aborted) throw signal.reason;
    const enqueuedAt = this.#now();
    const free = this.#freeSlots();
    if (free.length > 0 && this.#queue.length === 0) return Promise.resolve(this.#grant(choose, free, enqueuedAt));
    if (this.#queue.length >= this.#queueLimit) throw new QueueFullError(this.#queueLimit);
    return new Promise<SlotLease>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#queue.indexOf(waiter);
        if (i !== -1) this.#queue.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        choose,
        enqueuedAt,
        resolve,
        reject,
        cleanup: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Stops accepting work and rejects every waiting request with `ShuttingDownError`. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#queue.splice(0)) {
      waiter.cleanup();
      waiter.reject(new ShuttingDownError());
    }
  }

  /** Resolves once no slot is busy. */
  idle(): Promise<void> {
    if (this.#slots.every((busy) => !busy)) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #freeSlots(): number[] {
    const free: number[] = [];
    this.#slots.forEach((busy, i) => {
      if (!busy) free.push(i);
    });
    return free;
  }

  #grant(choose: ChooseSlot, free: readonly number[], enqueuedAt: number): SlotLease {
    let slot = choose(free);
    if (!free.includes(slot)) slot = free[0] as number;
    this.#slots[slot] = true;
    let released = false;
    return {
      slot,
      queueMs: this.#now() - enqueuedAt,
      release: () => {
        if (released) return;
        released = true;
        this.#slots[slot] = false;
        this.#dispatch();
      },
    };
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const free = this.#freeSlots();
      if (free.length === 0) return;
      const waiter = this.#queue.shift() as Waiter;
      waiter.cleanup();
      waiter.resolve(this.#grant(waiter.choose, free, waiter.enqueuedAt));
    }
    if (this.#slots.every((busy) => !busy)) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }
}
