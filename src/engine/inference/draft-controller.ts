/**
 * How long the next draft may be, and whether to draft at all, from how drafts fared so far in this
 * generation. A fully accepted draft doubles the length (up to the maximum); a partly accepted one
 * shrinks it to what was accepted plus one.
 *
 * Drafting pays only when a verified batch yields more tokens per millisecond than plain steps do, and
 * what a wider batch costs depends on the machine (measured on a 2-core Zen 4 VM at 1 thread with a
 * Q8_0 model: a 2-token batch cost 2.4–3.7× a 1-token step, an 8-token batch 3.5–5.6×). So the
 * controller times both kinds of step and pauses drafting when draft steps deliver fewer tokens per
 * millisecond than plain ones, or after `missLimit` drafts in a row with nothing accepted. Pauses double
 * (up to `maxPause` tokens) while drafting keeps losing, so where text does not repeat the cost fades,
 * and a copy that starts later is still found.
 */
export interface DraftControllerOptions {
  maxDraft: number;
  missLimit?: number;
  /** Longest pause, in generated tokens. */
  maxPause?: number;
}

/** Weight of the newest sample in the moving averages. */
const ALPHA = 0.3;
/** Draft steps timed before their rate is trusted. */
const MIN_TIMED_DRAFTS = 3;

export class DraftController {
  readonly #max: number;
  readonly #missLimit: number;
  readonly #maxPause: number;
  #length: number;
  #misses = 0;
  #pause = 0;
  #pauseLength = 4;
  /** Tokens per ms of plain steps and of draft steps (exponential moving averages). */
  #plainRate: number | undefined;
  #draftRate: number | undefined;
  #timedDrafts = 0;
  drafts = 0;
  draftedTokens = 0;
  acceptedTokens = 0;

  constructor(options: DraftControllerOptions) {
    this.#max = Math.max(0, Math.floor(options.maxDraft));
    this.#length = this.#max;
    this.#missLimit = options.missLimit ?? 3;
    this.#maxPause = options.maxPause ?? 256;
  }

  /** Draft tokens allowed now (0 = do not draft this step). */
  allowance(): number {
    if (this.#pause > 0) return 0;
    return this.#length;
  }

  /** A step without a draft (paused, or no n-gram matched); `ms` its duration when timed. */
  plainStep(ms?: number): void {
    if (this.#pause > 0) this.#pause--;
    if (ms !== undefined && ms > 0) this.#plainRate = average(this.#plainRate, 1 / ms);
  }

  /** After verifying a draft of `drafted` tokens of which the first `accepted` matched; `ms` the step's duration. */
  record(drafted: number, accepted: number, ms?: number): void {
    this.drafts++;
    this.draftedTokens += drafted;
    this.acceptedTokens += accepted;
    if (ms !== undefined && ms > 0) {
      this.#draftRate = average(this.#draftRate, (accepted + 1) / ms);
      this.#timedDrafts++;
    }
    if (accepted === 0) {
      this.#length = Math.max(1, Math.floor(this.#length / 2));
      if (++this.#misses >= this.#missLimit) this.#startPause();
      return;
    }
    this.#misses = 0;
    this.#length = accepted === drafted ? Math.min(this.#max, Math.max(1, this.#length) * 2) : Math.min(this.#max, accepted + 1);
    if (this.#losing()) {
      this.#startPause();
      return;
    }
    this.#pauseLength = 4;
  }

  #losing(): boolean {
    return (
      this.#timedDrafts >= MIN_TIMED_DRAFTS &&
      this.#plainRate !== undefined &&
      this.#draftRate !== undefined &&
      this.#draftRate < this.#plainRate
    );
  }

  #startPause(): void {
    this.#pause = this.#pauseLength;
    this.#pauseLength = Math.min(this.#maxPause, this.#pauseLength * 2);
    this.#misses = 0;
    // After a pause the draft rate is measured afresh (the text may have changed).
    this.#draftRate = undefined;
    this.#timedDrafts = 0;
  }
}

function average(current: number | undefined, sample: number): number {
  return current === undefined ? sample : current + ALPHA * (sample - current);
}
