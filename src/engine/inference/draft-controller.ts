/**
 * Whether to verify a draft this step, and how long, decided by expected tokens per unit of cost.
 *
 * Cost: verifying a draft of d tokens evaluates d + 1 positions in one batch. Measured on the 2-core
 * Zen 4 VM at 1 thread (docs/benchmarks.md), that batch is far from free: relative to a plain step, about
 * 2.6× for d = 1, 4.4× for d = 3, 7× for d = 7 and 10× for d = 15 on the 439 MB Q8_0 bench model (decode is
 * compute-bound at 1 thread), and 1.6× / 8.4× / 12.5× for d = 1 / 15 / 31 on the tiny scripted model (one
 * native sampling call per position). So the cost model is `1 + FIXED + SLOPE·d` plain steps, scaled by the
 * median ratio measured ÷ modelled over the recent timed draft steps of this generation (bounded, and
 * forgotten while not drafting: a shared machine's noisy timings must not rule drafting out for good).
 *
 * Gain: 1 + (draft tokens accepted). The controller keeps the accepted lengths of recent proposals, apart
 * for proposals whose match runs back at least LONG_RUN tokens (a copy in progress) and the rest (chance
 * n-grams), and for each candidate length d estimates E[min(accepted, d)]. Proposals it did not verify are still scored
 * for free ("shadow" proposals): the prompt-lookup draft is compared with the tokens the plain steps then
 * produce. So where text does not repeat nothing is ever verified (cost ≈ the lookup), and a copy that
 * starts later is noticed within a few tokens.
 */
export interface DraftControllerOptions {
  maxDraft: number;
  /** 'always': verify every proposal at full length (tests of the verification rule). Default 'measured'. */
  policy?: 'measured' | 'always';
  /** Proposals remembered for the acceptance estimate. */
  window?: number;
  /** Required advantage over plain steps, e.g. 0.1 = 10 % more tokens per unit of cost. */
  margin?: number;
}

/** Cost of verifying d draft tokens, in plain steps, before any draft step was timed (see above). */
const FIXED = 1;
const SLOPE = 0.55;
/** A match running back this far (prompt-lookup.ts `run`) is judged as a copy, apart from chance n-grams. */
export const LONG_RUN = 8;
/** Weight of each older proposal outcome relative to the next newer one. */
const DECAY = 0.7;
/** Timed steps kept for the medians. */
const TIMED = 16;
/** While not drafting, one draft timing is forgotten every this many plain steps. */
const FORGET_EVERY = 4;
/** Draft timings needed before they replace the prior. */
const MIN_TIMED = 5;
/**
 * The learnt cost factor stays within [MIN_SCALE, MAX_SCALE] of the prior: at MAX_SCALE a fully accepted
 * 16-token draft still pays (17 tokens for 15 plain steps), so load spikes on a shared machine cannot stop a
 * copy, while drafts that are partly wrong stop paying sooner.
 */
const MIN_SCALE = 0.7;
const MAX_SCALE = 1.4;

interface Outcome {
  /** Draft tokens proposed (verified or shadowed). */
  proposed: number;
  /** Leading tokens that matched. */
  accepted: number;
  /** A verified draft accepted whole: the copy may well go on beyond it. */
  whole: boolean;
}

type Kind = 'copy' | 'chance';
const kindOf = (run: number): Kind => (run >= LONG_RUN ? 'copy' : 'chance');

export class DraftController {
  readonly #max: number;
  readonly #policy: 'measured' | 'always';
  readonly #window: number;
  readonly #margin: number;
  readonly #outcomes: Record<Kind, Outcome[]> = { copy: [], chance: [] };
  /** A proposal not verified, being compared with the tokens that follow. */
  #shadow: { tokens: readonly number[]; matched: number; kind: Kind } | undefined;
  /** Kind of the proposal being verified now (set by plan). */
  #planned: Kind = 'chance';
  /** Recent plain-step durations (ms), and measured ÷ prior cost of recent draft steps. */
  readonly #plainMs: number[] = [];
  readonly #costRatios: number[] = [];
  #plainSinceDraft = 0;
  drafts = 0;
  draftedTokens = 0;
  acceptedTokens = 0;
  /** Proposals scored without verifying them. */
  shadowed = 0;

  constructor(options: DraftControllerOptions) {
    this.#max = Math.max(0, Math.floor(options.maxDraft));
    this.#policy = options.policy ?? 'measured';
    this.#window = options.window ?? 16;
    this.#margin = options.margin ?? 0.1;
  }

  /** Longest proposal worth looking up now (0 = none: speculation is off). */
  get maxDraft(): number {
    return this.#max;
  }

  /**
   * How many of the `available` proposed tokens to verify now: 0 when no length is expected to beat a
   * plain step. While a shadow proposal is still being scored the answer is 0 unless drafting already pays.
   */
  plan(available: number, run = 0): number {
    const limit = Math.min(available, this.#max);
    if (limit <= 0) return 0;
    if (this.#policy === 'always') return limit;
    const kind = kindOf(run);
    this.#planned = kind;
    let best = 0;
    let bestRate = 1 + this.#margin; // tokens per plain-step cost that a draft must beat
    for (let d = 1; d <= limit; d++) {
      const rate = (1 + this.#expectedAccepted(kind, d)) / this.#cost(d);
      if (rate > bestRate) {
        best = d;
        bestRate = rate;
      }
    }
    return best;
  }

  /** A proposal that is not verified: scored against the tokens that follow (see `generated`). */
  shadow(tokens: readonly number[], run = 0): void {
    if (this.#shadow !== undefined || tokens.length === 0 || this.#policy === 'always') return;
    this.#shadow = { tokens: tokens.slice(0, this.#max), matched: 0, kind: kindOf(run) };
  }

  /** A token the generation produced (in order), for scoring the shadow proposal. */
  generated(token: number): void {
    const s = this.#shadow;
    if (s === undefined) return;
    if (s.tokens[s.matched] !== token) {
      this.#endShadow();
      return;
    }
    s.matched++;
    if (s.matched === s.tokens.length) this.#endShadow();
  }

  /** A step without a verified draft; `ms` its duration when timed. */
  plainStep(ms?: number): void {
    if (ms !== undefined && ms > 0) keepLast(this.#plainMs, ms, TIMED);
    // Forget old draft timings while not drafting: one noisy slow step must not rule drafting out for good.
    if (++this.#plainSinceDraft % FORGET_EVERY === 0) this.#costRatios.shift();
  }

  /** After verifying a draft of `drafted` tokens of which the first `accepted` matched; `ms` the step's duration. */
  record(drafted: number, accepted: number, ms?: number): void {
    this.drafts++;
    this.draftedTokens += drafted;
    this.acceptedTokens += accepted;
    this.#shadow = undefined;
    this.#remember(this.#planned, { proposed: drafted, accepted, whole: drafted > 0 && accepted === drafted });
    this.#plainSinceDraft = 0;
    const plainMs = median(this.#plainMs);
    if (ms !== undefined && ms > 0 && plainMs !== undefined) keepLast(this.#costRatios, ms / plainMs / this.#priorCost(drafted), TIMED);
  }

  #endShadow(): void {
    const s = this.#shadow;
    if (s === undefined) return;
    this.#shadow = undefined;
    this.shadowed++;
    this.#remember(s.kind, { proposed: s.tokens.length, accepted: s.matched, whole: false });
  }

  #remember(kind: Kind, o: Outcome): void {
    const list = this.#outcomes[kind];
    list.push(o);
    if (list.length > this.#window) list.shift();
  }

  /**
   * Mean of min(accepted, d) over recent proposals. A verified draft accepted whole may go on: it counts as
   * up to twice its length, so the draft can grow (the next outcome corrects an optimistic guess). A shadow
   * proposal cut short by the end of the text counts as what it delivered — the safe side.
   */
  #expectedAccepted(kind: Kind, d: number): number {
    let sum = 0;
    let weights = 0;
    let w = 1;
    // A shadow proposal still matching is the newest evidence: it has delivered `matched` and may go on.
    const live = this.#shadow;
    if (live !== undefined && live.kind === kind && live.matched > 0) {
      sum += Math.min(2 * live.matched, d);
      weights += 1;
      w = DECAY;
    }
    // Newest first, each older outcome weighing less: a copy that starts (or ends) shows within a few drafts.
    const outcomes = this.#outcomes[kind];
    for (let i = outcomes.length - 1; i >= 0; i--, w *= DECAY) {
      const o = outcomes[i]!;
      sum += w * Math.min(o.whole ? 2 * o.accepted : o.accepted, d);
      weights += w;
    }
    return weights === 0 ? 0 : sum / weights;
  }

  #priorCost(d: number): number {
    return 1 + FIXED + SLOPE * d;
  }

  /** The prior cost scaled by the median measured ratio (bounded: timings on a shared machine are noisy). */
  #cost(d: number): number {
    const scale = this.#costRatios.length >= MIN_TIMED ? (median(this.#costRatios) ?? 1) : 1;
    return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale)) * this.#priorCost(d);
  }
}

function keepLast(list: number[], value: number, n: number): void {
  list.push(value);
  if (list.length > n) list.shift();
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
