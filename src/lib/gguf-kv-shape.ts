/**
 * What one token of context costs in KV cache, read from the GGUF's own metadata rather than assumed:
 * layers × KV heads × (key + value head width) × bytes per element. Devstral Small 2 (40 layers, 8 KV heads,
 * 128 + 128, f16) gives 160 KiB; the generated test models a few hundred bytes. Only the header is read,
 * never over a network, and the vocabulary arrays are skipped.
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export interface KvShape {
  architecture: string;
  layers: number;
  /** KV heads summed over layers (some architectures give one count per layer). */
  kvHeadsTotal: number;
  keyLength: number;
  valueLength: number;
  /** `<arch>.context_length`: the context the model was trained for. */
  trainContext: number;
}

/** llama.cpp's default KV cache type is f16; the engine does not change it. */
export const KV_ELEMENT_BYTES_F16 = 2;

export function kvBytesPerToken(shape: KvShape, elementBytes = KV_ELEMENT_BYTES_F16): number {
  return shape.kvHeadsTotal * (shape.keyLength + shape.valueLength) * elementBytes;
}

const count = z.number().int().positive();
const archSection = z.object({
  context_length: count,
  embedding_length: count,
  block_count: count,
  attention: z.object({
    head_count: z.union([count, z.array(z.number().int().nonnegative())]),
    head_count_kv: z.union([count, z.array(z.number().int().nonnegative())]).optional(),
    key_length: count.optional(),
    value_length: count.optional(),
  }),
});

/** The KV shape of a parsed metadata tree (`general.architecture` names the section to read). */
export function kvShapeFromMetadata(metadata: unknown, source: string): KvShape {
  const general = z.object({ general: z.object({ architecture: z.string().min(1) }) }).safeParse(metadata);
  if (!general.success) throw new ConfigError([{ field: source, message: 'GGUF metadata has no general.architecture' }]);
  const architecture = general.data.general.architecture;
  const section = archSection.safeParse((metadata as Record<string, unknown>)[architecture]);
  if (!section.success) {
    const first = section.error.issues[0];
    throw new ConfigError([
      { field: source, message: `GGUF metadata ${architecture}.${first?.path.join('.') ?? ''}: ${first?.message ?? 'invalid'}` },
    ]);
  }
  const a = section.data;
  const perLayer = (v: number | number[]) => (Array.isArray(v) ? v : Array.from({ length: a.block_count }, () => v));
  const heads = perLayer(a.attention.head_count);
  const kvHeads = perLayer(a.attention.head_count_kv ?? a.attention.head_count);
  const headWidth = Math.max(...heads) > 0 ? a.embedding_length / Math.max(...heads) : 0;
  return {
    architecture,
    layers: a.block_count,
    kvHeadsTotal: kvHeads.reduce((sum, n) => sum + n, 0),
    keyLength: a.attention.key_length ?? headWidth,
    valueLength: a.attention.value_length ?? headWidth,
    trainContext: a.context_length,
  };
}

/** Reads the KV shape from a GGUF file's header; a file that is not GGUF is a ConfigError naming it. */
export async function readKvShape(ggufPath: string, field = ggufPath): Promise<KvShape> {
  // Loaded on use: `--help` and commands that never read a model must not pay for node-llama-cpp.
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let metadata: unknown;
  try {
    const info = await readGgufFileInfo(ggufPath, {
      sourceType: 'filesystem',
      readTensorInfo: false,
      logWarnings: false,
      ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type', 'tokenizer.ggml.scores'],
    });
    metadata = info.metadata;
  } catch (e) {
    throw new ConfigError([{ field, message: `cannot read GGUF metadata of ${ggufPath}: ${(e as Error).message}` }]);
  }
  return kvShapeFromMetadata(metadata, field);
}
