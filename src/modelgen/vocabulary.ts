/**
 * The test models' vocabulary: Devstral's control tokens first, then the 256 byte symbols, then the
 * results of BPE merges learned from the built-in corpus. Deterministic; computed once per process.
 */
import { BYTE_SYMBOLS, type Merge, trainBpe } from './byte-level-bpe.ts';
import { TRAINING_CORPUS } from './corpus.ts';

/** llama.cpp token types (`tokenizer.ggml.token_type`). */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** Devstral's special tokens, in the order of its real vocabulary (ids are ours). */
export const CONTROL_TOKENS = [
  '<unk>',
  '<s>',
  '</s>',
  '[INST]',
  '[/INST]',
  '[AVAILABLE_TOOLS]',
  '[/AVAILABLE_TOOLS]',
  '[TOOL_RESULTS]',
  '[/TOOL_RESULTS]',
  '[TOOL_CALLS]',
  '<pad>',
  '[SYSTEM_PROMPT]',
  '[/SYSTEM_PROMPT]',
  '[TOOL_CONTENT]',
  '[ARGS]',
  '[CALL_ID]',
  '[THINK]',
  '[/THINK]',
] as const;

export type ControlToken = (typeof CONTROL_TOKENS)[number];

export const controlId = (text: ControlToken): number => CONTROL_TOKENS.indexOf(text);

export const BOS_TOKEN = '<s>';
export const EOS_TOKEN = '</s>';

/** Merges learned from the corpus; at most this many. */
export const MAX_MERGES = 600;

export interface Vocabulary {
  /** Token texts as stored in GGUF (normal tokens in byte-symbol form). */
  tokens: string[];
  types: number[];
  merges: Merge[];
  /** Index of a stored token text. */
  idOf: Map<string, number>;
}

let cached: Vocabulary | undefined;

export function baseVocabulary(): Vocabulary {
  if (cached !== undefined) return cached;
  const tokens: string[] = [...CONTROL_TOKENS];
  const types: number[] = CONTROL_TOKENS.map((t) => (t === '<unk>' ? TokenType.UNKNOWN : TokenType.CONTROL));
  for (const symbol of BYTE_SYMBOLS) {
    tokens.push(symbol);
    types.push(TokenType.NORMAL);
  }
  const merges = trainBpe(TRAINING_CORPUS, MAX_MERGES);
  const idOf = new Map(tokens.map((t, i) => [t, i]));
  for (const [a, b] of merges) {
    const merged = a + b;
    const existing = idOf.get(merged);
    if (existing !== undefined) {
      // Plain text must never merge into a control token (that would bypass special-token parsing).
      if (types[existing] !== TokenType.NORMAL) throw new Error(`merge ${a} ${b} collides with special token ${merged}`);
      continue;
    }
    idOf.set(merged, tokens.length);
    tokens.push(merged);
    types.push(TokenType.NORMAL);
  }
  cached = { tokens, types, merges, idOf };
  return cached;
}

/** A copy of the base vocabulary with extra normal tokens (byte-symbol form) appended. */
export function extendVocabulary(base: Vocabulary, extraSymbols: readonly string[]): Vocabulary {
  const tokens = [...base.tokens];
  const types = [...base.types];
  const idOf = new Map(base.idOf);
  for (const s of extraSymbols) {
    if (idOf.has(s)) continue;
    idOf.set(s, tokens.length);
    tokens.push(s);
    types.push(TokenType.NORMAL);
  }
  return { tokens, types, merges: base.merges, idOf };
}
