/**
 * Applies OpenAI `stop` strings to streamed text. Text that could still turn into a stop string is
 * held back until it is decided, so a matched stop string never reaches the client, not even in
 * part. Input arrives as whole characters and stop strings are well-formed, so a held-back tail
 * never splits a character.
 */
export interface StopMatchResult {
  /** Text that is safe to emit now. */
  emit: string;
  /** True when a stop string matched; everything from it on is dropped. */
  stopped: boolean;
}

export class StopMatcher {
  readonly #stops: string[];
  #held = '';
  #stopped = false;

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((s) => s.length > 0);
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  push(text: string): StopMatchResult {
    if (this.#stopped) return { emit: '', stopped: true };
    if (this.#stops.length === 0) return { emit: text, stopped: false };
    const buffer = this.#held + text;
    let first = -1;
    for (const stop of this.#stops) {
      const at = buffer.indexOf(stop);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    if (first !== -1) {
      this.#stopped = true;
      this.#held = '';
      return { emit: buffer.slice(0, first), stopped: true };
    }
    const keep = this.#partialSuffixLength(buffer);
    this.#held = buffer.slice(buffer.length - keep);
    return { emit: buffer.slice(0, buffer.length - keep), stopped: false };
  }

  /** Releases held-back text at the end of generation (it did not become a stop string). */
  flush(): string {
    const rest = this.#stopped ? '' : this.#held;
    this.#held = '';
    return rest;
  }

  /** Length of the longest suffix of `buffer` that is a proper prefix of some stop string. */
  #partialSuffixLength(buffer: string): number {
    let best = 0;
    for (const stop of this.#stops) {
      const max = Math.min(stop.length - 1, buffer.length);
      for (let len = max; len > best; len--) {
        if (buffer.endsWith(stop.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
