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

/**
 * Draft tokens for what follows `history`: the tokens after the most recent earlier occurrence of the
 * longest suffix of `history` (between minNgram and maxNgram tokens) — [] when none occurs.
 */
export function findDraft(history: readonly Token[], options: LookupOptions): Token[] {
  const len = history.length;
  if (options.maxDraft <= 0) return [];
  for (let n = Math.min(options.maxNgram, len - 1); n >= options.minNgram; n--) {
    const suffixStart = len - n;
    // Most recent occurrence first: the nearest copy is the one being continued.
    for (let start = suffixStart - 1; start >= 0; start--) {
      let k = 0;
      while (k < n && history[start + k] === history[suffixStart + k]) k++;
      if (k === n) {
        const from = start + n;
        return history.slice(from, Math.min(from + options.maxDraft, len)) as Token[];
      }
    }
  }
  return [];
}
