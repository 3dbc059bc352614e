/**
 * Turns sampled tokens into text made of whole characters. A byte-level BPE token can end in the
 * middle of a UTF-8 sequence; its text then ends in U+FFFD until the following token supplies the
 * missing bytes, so such tokens are held back (at most 4, the longest UTF-8 sequence) and decoded
 * together. Control tokens decode to nothing.
 */
import type { Token } from 'node-llama-cpp';

export type Detokenize = (tokens: readonly Token[]) => string;

const MAX_PENDING = 4;

export class TokenTextDecoder {
  readonly #detokenize: Detokenize;
  #pending: Token[] = [];

  constructor(detokenize: Detokenize) {
    this.#detokenize = detokenize;
  }

  push(token: Token): string {
    this.#pending.push(token);
    const text = this.#detokenize(this.#pending);
    if (text.endsWith('\uFFFD') && this.#pending.length < MAX_PENDING) return '';
    this.#pending = [];
    return text;
  }

  /** Whatever is still held back (an incomplete character at the very end of generation). */
  flush(): string {
    if (this.#pending.length === 0) return '';
    const text = this.#detokenize(this.#pending);
    this.#pending = [];
    return text;
  }
}
