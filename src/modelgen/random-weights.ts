/**
 * Random weights for the `tiny` and `bench` models. Output rows of tokens we never want sampled (control
 * tokens, C0 control bytes other than newline, bytes ≥ 0x7f) are zero, so random generation yields
 * printable ASCII and practically never ends on its own or emits special tokens.
 */
import { fromByteSymbols } from './byte-level-bpe.ts';
import type { WeightProvider } from './llama-architecture.ts';
import { uniformStream } from './prng.ts';
import { TokenType, type Vocabulary } from './vocabulary.ts';

/** Whether a random model may produce this token. */
export function isSampleable(vocab: Vocabulary, id: number): boolean {
  if (vocab.types[id] !== TokenType.NORMAL) return false;
  let text: string;
  try {
    text = fromByteSymbols(vocab.tokens[id]!);
  } catch {
    return false;
  }
  for (const byte of new TextEncoder().encode(text)) {
    if (byte === 0x0a) continue;
    if (byte < 0x20 || byte >= 0x7f) return false;
  }
  return !text.includes('\uFFFD');
}

export function randomWeights(seed: number, vocab: Vocabulary, maskOutput = true): WeightProvider {
  const sampleable = vocab.tokens.map((_, id) => isSampleable(vocab, id));
  return (name, dims) => {
    const ne0 = dims[0]!;
    if (dims.length === 1) return (_row, out) => out.fill(1);
    const std = name === 'output.weight' ? 4 / Math.sqrt(ne0) : 1 / Math.sqrt(ne0);
    const next = uniformStream(seed, name, std);
    let expectedRow = 0;
    return (firstRow, out) => {
      if (firstRow !== expectedRow) throw new Error(`${name}: rows must be requested in order`);
      for (let i = 0; i < out.length; i++) out[i] = next();
      const rows = out.length / ne0;
      if (name === 'output.weight' && maskOutput) {
        for (let r = 0; r < rows; r++) if (!sampleable[firstRow + r]) out.fill(0, r * ne0, (r + 1) * ne0);
      }
      expectedRow += rows;
    };
  };
}
