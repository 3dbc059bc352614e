/**
 * Keeps control-token text that arrives inside user-supplied strings (message content, tool
 * descriptions, tool-call arguments) from becoming control tokens. A prompt is rendered as one text
 * and then tokenized with special-token parsing on, so a user writing "[INST]" or "</s>" would
 * otherwise forge turn boundaries.
 *
 * How: before rendering, each such occurrence is swapped for a private-use sentinel
 * (U+E000 index U+E001); after rendering, the text is split at the sentinels and those pieces are
 * tokenized as plain text. The model then sees the literal characters "[INST]" spelled with normal
 * tokens; everything the template itself wrote is tokenized with special tokens as usual.
 */
export interface PromptSegment {
  text: string;
  /** True for user text that must be tokenized without special-token parsing. */
  literal: boolean;
}

/** Candidates that look like control tokens: `[NAME]`, `[/NAME]`, `<s>`, `</s>`, `<|name|>`. */
const CANDIDATE = /\[\/?[A-Za-z_][A-Za-z0-9_]*\]|<[^<>\s]{1,64}>/g;
const SENTINEL = /\uE000(\d+)\uE001|\\ue000(\d+)\\ue001/gi;

export class SpecialTextGuard {
  readonly #isSpecialText: (candidate: string) => boolean;
  readonly #cache = new Map<string, boolean>();
  readonly #literals: string[] = [];

  /** `isSpecialText` answers whether a string tokenizes to exactly one control token. */
  constructor(isSpecialText: (candidate: string) => boolean) {
    this.#isSpecialText = isSpecialText;
  }

  /** Replaces control-token text in a user string with sentinels. */
  protect(value: string): string {
    return value.replace(CANDIDATE, (match) => {
      let special = this.#cache.get(match);
      if (special === undefined) {
        special = this.#isSpecialText(match);
        this.#cache.set(match, special);
      }
      if (!special) return match;
      this.#literals.push(match);
      return `\uE000${this.#literals.length - 1}\uE001`;
    });
  }

  /** `protect` applied to every string inside a JSON-like value (tool schemas). */
  protectDeep<T>(value: T): T {
    if (typeof value === 'string') return this.protect(value) as T;
    if (Array.isArray(value)) return value.map((v: unknown) => this.protectDeep(v)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.protect(k)] = this.protectDeep(v);
      return out as T;
    }
    return value;
  }

  /** Splits rendered text into template text and literal user text. */
  split(rendered: string): PromptSegment[] {
    const segments: PromptSegment[] = [];
    let last = 0;
    for (const match of rendered.matchAll(SENTINEL)) {
      const index = Number(match[1] ?? match[2]);
      const literal = this.#literals[index];
      if (literal === undefined) continue;
      if (match.index > last) segments.push({ text: rendered.slice(last, match.index), literal: false });
      segments.push({ text: literal, literal: true });
      last = match.index + match[0].length;
    }
    if (last < rendered.length) segments.push({ text: rendered.slice(last), literal: false });
    return segments;
  }
}
