/**
 * Prompt-lookup drafting: the continuation of the longest recent n-gram suffix that already occurred in
 * prompt + generated text. Coding agents copy their input (edits re-emit files, diffs quote context), so
 * the continuation of a repeated n-gram is often what the model writes next; it costs no draft model.
 */
import type { Token } from 'node-llama-cpp';

export interface LookupOptions {
  /** Shortest suffix that may propose a draft; 1 would match almost any token and mostly waste a batch. */
  minNgram: number;
  maxNgram: number;
  maxDraft: number;
}

/** Longest agreement counted behind a match (enough to tell a copy from a chance n-gram). */
export const MAX_RUN = 64;

export interface Draft {
  tokens: Token[];
  /**
   * How far the text before the proposal agrees with the text before its source, in tokens (at least the
   * n-gram, at most MAX_RUN): a chance n-gram in new text gives 2–4, a copy in progress gives its length so far.
   */
  run: number;
}

/**
 * Draft tokens for what follows `history`: the tokens after the most recent earlier occurrence of the
 * longest suffix of `history` (between minNgram and maxNgram tokens) — [] when none occurs.
 */
export function findDraft(history: readonly Token[], options: LookupOptions): Token[] {
  return lookupDraft(history, options).tokens;
}

/** findDraft, with how long the match behind the proposal runs. */
export function lookupDraft(history: readonly Token[], options: LookupOptions): Draft {
  const len = history.length;
  if (options.maxDraft <= 0) return { tokens: [], run: 0 };
  for (let n = Math.min(options.maxNgram, len - 1); n >= options.minNgram; n--) {
    const suffixStart = len - n;
    // Most recent occurrence first: the nearest copy is the one being continued.
    for (let start = suffixStart - 1; start >= 0; start--) {
      let k = 0;
      while (k < n && history[start + k] === history[suffixStart + k]) k++;
      if (k === n) {
        const from = start + n;
        let run = n;
        while (run < MAX_RUN && start + n - 1 - run >= 0 && history[start + n - 1 - run] === history[len - 1 - run]) run++;
        return { tokens: history.slice(from, Math.min(from + options.maxDraft, len)) as Token[], run };
      }
    }
  }
  return { tokens: [], run: 0 };
}
