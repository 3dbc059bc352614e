/**
 * Tokenizes a prompt only as far as it can fit. A prompt of megabytes is rejected from its length
 * alone: every token of a BPE or SentencePiece vocabulary spells at most `maxTokenBytes` bytes of the
 * text it covers, and these tokenizers drop no input byte, so a text of B bytes needs at least
 * ⌈B / maxTokenBytes⌉ tokens. Tokenizing stops as soon as the tokens so far plus that bound for the rest
 * exceed the budget, so the work is bounded by the budget, not by the request's size.
 */
import type { Token } from 'node-llama-cpp';
import type { PromptSegment } from '../chat/special-text-guard.ts';

/** `exact`: every segment was tokenized, so `atLeast` is the prompt's true token count. */
export type BudgetedTokens = { fits: true; tokens: Token[] } | { fits: false; atLeast: number; exact: boolean };

/** The fewest tokens `text` can become; 0 when the vocabulary gives no bound (`maxTokenBytes` undefined). */
export function minimumTokens(text: string, maxTokenBytes: number | undefined): number {
  return maxTokenBytes === undefined ? 0 : Math.ceil(Buffer.byteLength(text, 'utf8') / maxTokenBytes);
}

/** The tokens of `segments` if they are at most `budget`; otherwise a lower bound of their count that is over it. */
export function tokenizeWithinBudget(
  segments: readonly PromptSegment[],
  budget: number,
  tokenize: (segment: PromptSegment) => readonly Token[],
  maxTokenBytes: number | undefined,
): BudgetedTokens {
  const bounds = segments.map((s) => minimumTokens(s.text, maxTokenBytes));
  let rest = 0;
  for (const bound of bounds) rest += bound;
  if (rest > budget) return { fits: false, atLeast: rest, exact: false };
  const tokens: Token[] = [];
  for (const [i, segment] of segments.entries()) {
    rest -= bounds[i] ?? 0;
    // A loop, not push(...spread): a spread of 100k+ tokens overflows the call stack.
    for (const token of tokenize(segment)) tokens.push(token);
    if (tokens.length + rest > budget) return { fits: false, atLeast: tokens.length + rest, exact: i === segments.length - 1 };
  }
  return { fits: true, tokens };
}
