/**
 * Stage-by-stage progress for long image builds and VM tests: one line per stage start and end with
 * elapsed times, so the output reads the same in a terminal, a CI log or a redirected file.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

export interface ProgressSink {
  write(text: string): void;
}

export class Progress {
  readonly #sink: ProgressSink;
  readonly #clock: Clock;
  readonly #started: number;
  readonly #total: number;
  #index = 0;

  constructor(total: number, sink: ProgressSink = process.stderr, clock: Clock = systemClock) {
    this.#total = total;
    this.#sink = sink;
    this.#clock = clock;
    this.#started = clock.now();
  }

  /** Runs one stage, printing its start, its duration and the total elapsed time. */
  async stage<T>(title: string, work: () => Promise<T>): Promise<T> {
    this.#index += 1;
    const tag = `[${String(this.#index).padStart(String(this.#total).length)}/${this.#total}]`;
    const t0 = this.#clock.now();
    this.#sink.write(`${tag} ${title} …\n`);
    try {
      const result = await work();
      const seconds = (this.#clock.now() - t0) / 1000;
      this.#sink.write(`${tag} ${title}: done in ${formatSeconds(seconds)} (total ${formatSeconds(this.elapsedSeconds())})\n`);
      return result;
    } catch (error) {
      this.#sink.write(`${tag} ${title}: FAILED after ${formatSeconds((this.#clock.now() - t0) / 1000)}\n`);
      throw error;
    }
  }

  note(text: string): void {
    this.#sink.write(`      ${text}\n`);
  }

  elapsedSeconds(): number {
    return (this.#clock.now() - this.#started) / 1000;
  }
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}
