/**
 * How long the next draft may be, from how drafts fared so far in this generation. A fully accepted
 * draft doubles the length (up to the maximum); a partly accepted one shrinks it to what was accepted
 * plus one. Drafts that are rejected outright cost a wider batch for nothing, so after `missLimit` of
 * them in a row drafting pauses, for a number of tokens that doubles with each pause (speculation turns
 * itself off where the text does not repeat, and comes back when a copy starts).
 */
export interface DraftControllerOptions {
  maxDraft: number;
  missLimit?: number;
  /** Longest pause, in generated tokens. */
  maxPause?: number;
}

export class DraftController {
  readonly #max: number;
  readonly #missLimit: number;
  readonly #maxPause: number;
  #length: number;
  #misses = 0;
  #pause = 0;
  #pauseLength = 4;
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

  /** A step without a draft (paused, or no n-gram matched). */
  plainStep(): void {
    if (this.#pause > 0) this.#pause--;
  }

  /** After verifying a draft of `drafted` tokens of which the first `accepted` matched. */
  record(drafted: number, accepted: number): void {
    this.drafts++;
    this.draftedTokens += drafted;
    this.acceptedTokens += accepted;
    if (accepted === 0) {
      this.#length = Math.max(1, Math.floor(this.#length / 2));
      if (++this.#misses >= this.#missLimit) {
        this.#pause = this.#pauseLength;
        this.#pauseLength = Math.min(this.#maxPause, this.#pauseLength * 2);
        this.#misses = 0;
      }
      return;
    }
    this.#misses = 0;
    this.#pauseLength = 4;
    this.#length = accepted === drafted ? Math.min(this.#max, Math.max(1, this.#length) * 2) : Math.min(this.#max, accepted + 1);
  }
}
