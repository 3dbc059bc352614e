/**
 * Shutdown bookkeeping shared by the app and `serve`: requests in flight, whether new work is still
 * accepted, and the one signal that aborts every running request when the grace period ends.
 */
import { ShuttingDownError } from '../api/api-errors.ts';

export class ServerLifecycle {
  readonly #abort = new AbortController();
  #draining = false;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];

  /** True once shutdown began: readiness fails and new generations get 503. */
  get draining(): boolean {
    return this.#draining;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Aborted (reason: `ShuttingDownError`) when the grace period is over. */
  get shutdownSignal(): AbortSignal {
    return this.#abort.signal;
  }

  requestStarted(): void {
    this.#inFlight++;
  }

  requestFinished(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
    }
  }

  startDraining(): void {
    this.#draining = true;
  }

  abortAll(): void {
    this.#abort.abort(new ShuttingDownError());
  }

  /** Resolves true when no request is in flight, false when `ms` passed first. */
  waitIdle(ms: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== wake);
        resolve(false);
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.push(wake);
    });
  }
}
