/**
 * Byte-level BPE as GPT-2 defines it: text is split by the GPT-2 pre-tokenizer regex, each piece's UTF-8
 * bytes are mapped to printable "byte symbols", and merges combine adjacent symbols. Contains a small,
 * deterministic trainer and an encoder that applies the learned merges.
 */

/** GPT-2's byte → printable symbol table (the same mapping llama.cpp uses for `gpt2` vocabularies). */
export const BYTE_SYMBOLS: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
})();

const SYMBOL_TO_BYTE = new Map(BYTE_SYMBOLS.map((s, b) => [s, b]));

/** The GPT-2 pre-tokenizer split (llama.cpp's `gpt-2` pre-type). */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export function preTokenize(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}

/** UTF-8 bytes of `text` as a byte-symbol string (how gpt2 vocabularies store token text). */
export function toByteSymbols(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) out += BYTE_SYMBOLS[byte]!;
  return out;
}

export function fromByteSymbols(symbols: string): string {
  const bytes: number[] = [];
  for (const ch of symbols) {
    const b = SYMBOL_TO_BYTE.get(ch);
    if (b === undefined) throw new Error(`not a byte symbol: ${JSON.stringify(ch)}`);
    bytes.push(b);
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

export type Merge = readonly [string, string];

/**
 * Learns up to `maxMerges` merges from `corpus`: repeatedly merges the most frequent adjacent pair
 * (ties broken by the pair's text, so the result never depends on iteration order), stopping when no pair
 * occurs at least `minCount` times.
 */
export function trainBpe(corpus: string, maxMerges: number, minCount = 2): Merge[] {
  const wordCounts = new Map<string, number>();
  for (const piece of preTokenize(corpus)) {
    const symbols = toByteSymbols(piece);
    wordCounts.set(symbols, (wordCounts.get(symbols) ?? 0) + 1);
  }
  const words = [...wordCounts].map(([w, count]) => ({ symbols: [...w], count }));
  const merges: Merge[] = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        const key = `${w.symbols[i]} ${w.symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + w.count);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of pairs) {
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === undefined || bestCount < minCount) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push([a, b]);
    for (const w of words) w.symbols = applyMerge(w.symbols, a, b);
  }
  return merges;
}

function applyMerge(symbols: string[], a: string, b: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(a + b);
      i++;
    } else {
      out.push(symbols[i]!);
    }
  }
  return out;
}

/** Encodes one pre-token into byte-symbol tokens by applying merges in rank order (lowest rank first). */
export function encodePiece(piece: string, ranks: ReadonlyMap<string, number>): string[] {
  let symbols = [...toByteSymbols(piece)];
  for (;;) {
    let bestRank = Infinity;
    let bestAt = -1;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        bestAt = i;
      }
    }
    if (bestAt < 0) return symbols;
    const a = symbols[bestAt]!;
    const b = symbols[bestAt + 1]!;
    symbols = applyMerge(symbols, a, b);
  }
}

export function mergeRanks(merges: readonly Merge[]): Map<string, number> {
  return new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
}
