/**
 * Writing GBNF as llama.cpp parses it (the dialect node-llama-cpp's `createGrammar` hands to the
 * bundled llama.cpp): rule names are `[A-Za-z0-9-]+`; literals and character classes know the escapes
 * `\x..`, `\u....`, `\U........`, `\t`, `\r`, `\n`, `\\`, `\"`, `\[` and `\]`; `{m,n}` repetition
 * expands into one generated rule per optional repetition, so large bounds are kept out (see
 * MAX_REPEAT).
 */

/** Largest `{m,n}` bound written; llama.cpp refuses grammars past a few thousand repetitions. */
export const MAX_REPEAT = 1000;

/** A GBNF string literal matching `text` exactly. */
export function literal(text: string): string {
  let out = '"';
  for (const ch of text) out += ch === '"' ? '\\"' : escapeChar(ch);
  return `${out}"`;
}

/** A GBNF character class of the code points in `chars`; `negated` gives `[^…]`. */
export function charClass(chars: Iterable<string>, negated = false, extraRanges = ''): string {
  let body = '';
  for (const ch of chars) body += ch === ']' || ch === '[' || ch === '-' || ch === '^' ? hex(ch) : escapeChar(ch);
  return `[${negated ? '^' : ''}${body}${extraRanges}]`;
}

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (ch === '\\') return '\\\\';
  if (cp < 0x20 || cp === 0x7f) return hex(ch);
  return ch;
}

function hex(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** `item` repeated between `min` and `max` times (`max` undefined = unbounded), in the shortest form. */
export function repeat(item: string, min: number, max: number | undefined): string {
  if (max === 0) return '';
  if (max === undefined) return min === 0 ? `${item}*` : min === 1 ? `${item}+` : `${item}{${min},}`;
  if (min === max) return min === 1 ? item : `${item}{${min}}`;
  if (min === 0 && max === 1) return `${item}?`;
  return `${item}{${min},${max}}`;
}

/** Joins sequence items, dropping empty ones. */
export function seq(...items: string[]): string {
  return items.filter((i) => i !== '').join(' ');
}

/** Alternatives in one group; a single alternative is returned as is. */
export function alt(options: readonly string[]): string {
  const unique = [...new Set(options)];
  return unique.length === 1 ? (unique[0] as string) : `(${unique.map((o) => (o === '' ? '""' : o)).join(' | ')})`;
}

/**
 * The rules of one grammar. Names are made unique and valid; a helper rule with a body seen before is
 * shared instead of defined twice.
 */
export class GbnfRules {
  readonly #rules = new Map<string, string | undefined>();
  readonly #byBody = new Map<string, string>();

  constructor(reserved: readonly string[] = []) {
    for (const name of reserved) this.#rules.set(name, undefined);
  }

  /** A new, unique rule name derived from `base`, to be given a body with `set`. */
  reserve(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'r';
    let name = clean;
    for (let i = 2; this.#rules.has(name); i++) name = `${clean}-${i}`;
    this.#rules.set(name, undefined);
    return name;
  }

  set(name: string, body: string): void {
    this.#rules.set(name, body);
  }

  has(name: string): boolean {
    return this.#rules.get(name) !== undefined;
  }

  /** A rule for `body`, reusing an existing rule with the same body. */
  share(base: string, body: string): string {
    const known = this.#byBody.get(body);
    if (known !== undefined) return known;
    const name = this.reserve(base);
    this.set(name, body);
    this.#byBody.set(body, name);
    return name;
  }

  /** The grammar text, `root` first; reserved names that never got a body are left out. */
  toString(): string {
    const lines: string[] = [];
    const root = this.#rules.get('root');
    if (root === undefined) throw new Error('GBNF grammar has no root rule');
    lines.push(`root ::= ${root}`);
    for (const [name, body] of this.#rules) {
      if (name === 'root' || body === undefined) continue;
      lines.push(`${name} ::= ${body}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
