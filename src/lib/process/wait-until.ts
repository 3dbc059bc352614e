/**
 * The one polling loop: ask `poll` until it yields a value, bounded by a deadline. A timeout names what
 * was awaited and what the last poll saw, so "not ready" reads as a diagnosis, not as a bare timeout.
 */
import { sleep } from './sleep.ts';

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between polls (default 250 ms). A poll that can hang must bound itself. */
  intervalMs?: number;
  /** A throwing poll counts as "not yet" (e.g. connection refused while a server starts); its message becomes the last state. */
  retryErrors?: boolean;
  /** What the last poll saw (e.g. `HTTP 503`, the tail of a log), for the timeout error. */
  state?: () => string;
  /** Stops the wait at once, e.g. the awaited process exited (`StartedProcess.exitSignal`). */
  signal?: AbortSignal | undefined;
}

export class WaitTimeoutError extends Error {
  readonly what: string;
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number, state: string) {
    super(`timed out after ${formatSeconds(timeoutMs)} waiting for ${what}${formatState(state)}`);
    this.name = 'WaitTimeoutError';
    this.what = what;
    this.timeoutMs = timeoutMs;
  }
}

/** Resolves to the first value of `poll` that is not `undefined`, `null` or `false`. */
export async function waitUntil<T>(
  what: string,
  poll: () => T | Promise<T>,
  options: WaitOptions,
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = performance.now() + options.timeoutMs;
  let failure = '';
  const state = () => [options.state?.() ?? '', failure].filter((s) => s !== '').join('; ');
  for (;;) {
    try {
      const value = await poll();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
      failure = '';
    } catch (error) {
      if (options.retryErrors !== true && options.signal?.aborted !== true) throw error;
      failure = error instanceof Error ? error.message : String(error);
    }
    // Polled before giving up, so a condition met just before the process exited still counts.
    stopIfAborted(what, options.signal, state);
    const left = deadline - performance.now();
    if (left <= 0) throw new WaitTimeoutError(what, options.timeoutMs, state());
    await sleep(Math.min(options.intervalMs ?? 250, left), { signal: options.signal }).catch(() => undefined);
  }
}

function stopIfAborted(what: string, signal: AbortSignal | undefined, state: () => string): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : String(reason);
  throw new Error(`stopped waiting for ${what}: ${why}${formatState(state())}`, { cause: reason });
}

function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

function formatState(state: string): string {
  if (state === '') return '';
  return state.includes('\n') ? `; last seen:\n${state.trimEnd()}` : ` (last: ${state})`;
}
