/** The one pause of the code base: abortable, and optionally not keeping the process alive. */
import { setTimeout as delay } from 'node:timers/promises';

export interface SleepOptions {
  /** Rejects with the signal's reason when it aborts before `ms` have passed. */
  signal?: AbortSignal | undefined;
  /** false: the pending pause does not keep the process alive (cleanup paths of a process about to exit). */
  ref?: boolean;
}

export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  return delay(ms, undefined, options);
}
