/**
 * A GGUF with metadata and no tensors: enough for everything that reads only the header (context
 * sizing, model checks), with any architecture's figures, e.g. Devstral Small 2's, at a few hundred bytes.
 */
import { gguf, writeGguf } from '../../src/modelgen/gguf-writer.ts';

export interface HeaderShape {
  architecture: string;
  layers: number;
  embd: number;
  heads: number;
  kvHeads: number;
  contextLength: number;
  /** Written only when given: without them readers derive embd / heads. */
  keyLength?: number;
  valueLength?: number;
}

/** Devstral Small 2 24B as its GGUF describes it (text model: 40 layers, 32 heads, 8 KV heads, head width 128). */
export const DEVSTRAL_SMALL_2_HEADER: HeaderShape = {
  architecture: 'mistral3',
  layers: 40,
  embd: 5120,
  heads: 32,
  kvHeads: 8,
  contextLength: 262144,
  keyLength: 128,
  valueLength: 128,
};

export function writeHeaderOnlyGguf(path: string, shape: HeaderShape): void {
  const a = shape.architecture;
  writeGguf(path, {
    metadata: [
      ['general.architecture', gguf.string(a)],
      ['general.name', gguf.string(`header-only ${a}`)],
      [`${a}.context_length`, gguf.uint32(shape.contextLength)],
      [`${a}.embedding_length`, gguf.uint32(shape.embd)],
      [`${a}.block_count`, gguf.uint32(shape.layers)],
      [`${a}.attention.head_count`, gguf.uint32(shape.heads)],
      [`${a}.attention.head_count_kv`, gguf.uint32(shape.kvHeads)],
      ...(shape.keyLength === undefined ? [] : [[`${a}.attention.key_length`, gguf.uint32(shape.keyLength)] as const]),
      ...(shape.valueLength === undefined ? [] : [[`${a}.attention.value_length`, gguf.uint32(shape.valueLength)] as const]),
    ],
    tensors: [],
  });
}
