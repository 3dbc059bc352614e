/**
 * Describes a llama-architecture GGUF: metadata (model, tokenizer, chat template) and tensor layout. The
 * weights come from a provider, so random, scripted and benchmark models share this description.
 */
import { DEVSTRAL_CHAT_TEMPLATE } from './devstral-template.ts';
import { GGUF_ALIGNMENT, type GgufFile, type GgufTensor, type GgufValue, gguf } from './gguf-writer.ts';
import { fileTypeOf, GgmlType, type GgmlTypeId } from './tensor-encoding.ts';
import { BOS_TOKEN, EOS_TOKEN, type Vocabulary } from './vocabulary.ts';

export interface LlamaShape {
  embd: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ff: number;
  contextLength: number;
}

/** Returns the row filler for one tensor; called once per tensor, in file order. */
export type WeightProvider = (name: string, dims: readonly number[]) => (firstRow: number, out: Float32Array) => void;

export interface LlamaModelSpec {
  name: string;
  shape: LlamaShape;
  vocab: Vocabulary;
  /** Type of the 2-D weight matrices; 1-D norms are always F32. */
  matrixType: GgmlTypeId;
  weights: WeightProvider;
  /** `tokenizer.chat_template`; undefined → the built-in Devstral-style template, null → none at all. */
  chatTemplate?: string | null;
  /** Extra `slm_copilot.*` metadata. */
  extra?: ReadonlyArray<readonly [string, GgufValue]>;
}

export function describeLlamaModel(spec: LlamaModelSpec): GgufFile {
  const { shape, vocab } = spec;
  if (shape.embd % shape.heads !== 0) throw new Error('embd must be a multiple of heads');
  const headDim = shape.embd / shape.heads;
  const kvDim = headDim * shape.kvHeads;
  const nVocab = vocab.tokens.length;
  const idOf = (t: string): number => {
    const id = vocab.idOf.get(t);
    if (id === undefined) throw new Error(`vocabulary lacks ${t}`);
    return id;
  };
  const metadata: Array<readonly [string, GgufValue]> = [
    ['general.architecture', gguf.string('llama')],
    ['general.name', gguf.string(spec.name)],
    ['general.file_type', gguf.uint32(fileTypeOf[spec.matrixType])],
    ['general.alignment', gguf.uint32(GGUF_ALIGNMENT)],
    ['llama.vocab_size', gguf.uint32(nVocab)],
    ['llama.context_length', gguf.uint32(shape.contextLength)],
    ['llama.embedding_length', gguf.uint32(shape.embd)],
    ['llama.block_count', gguf.uint32(shape.layers)],
    ['llama.feed_forward_length', gguf.uint32(shape.ff)],
    ['llama.attention.head_count', gguf.uint32(shape.heads)],
    ['llama.attention.head_count_kv', gguf.uint32(shape.kvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', gguf.float32(1e-5)],
    ['llama.rope.dimension_count', gguf.uint32(headDim)],
    ['llama.rope.freq_base', gguf.float32(10000)],
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string('gpt-2')],
    ['tokenizer.ggml.tokens', gguf.stringArray(vocab.tokens)],
    ['tokenizer.ggml.token_type', gguf.int32Array(vocab.types)],
    ['tokenizer.ggml.merges', gguf.stringArray(vocab.merges.map(([a, b]) => `${a} ${b}`))],
    ['tokenizer.ggml.bos_token_id', gguf.uint32(idOf(BOS_TOKEN))],
    ['tokenizer.ggml.eos_token_id', gguf.uint32(idOf(EOS_TOKEN))],
    ['tokenizer.ggml.unknown_token_id', gguf.uint32(idOf('<unk>'))],
    ['tokenizer.ggml.padding_token_id', gguf.uint32(idOf('<pad>'))],
    ['tokenizer.ggml.add_bos_token', gguf.bool(true)],
    ['tokenizer.ggml.add_eos_token', gguf.bool(false)],
    ...(spec.chatTemplate === null ? [] : [['tokenizer.chat_template', gguf.string(spec.chatTemplate ?? DEVSTRAL_CHAT_TEMPLATE)] as const]),
    ...(spec.extra ?? []),
  ];
  const tensor = (name: string, dims: number[], type: GgmlTypeId): GgufTensor => {
    let fill: ((firstRow: number, out: Float32Array) => void) | undefined;
    return {
      name,
      dims,
      type: dims.length === 1 ? GgmlType.F32 : type,
      fillRows(firstRow, out) {
        fill ??= spec.weights(name, dims);
        fill(firstRow, out);
      },
    };
  };
  const m = spec.matrixType;
  const tensors: GgufTensor[] = [
    tensor('token_embd.weight', [shape.embd, nVocab], m),
    tensor('output_norm.weight', [shape.embd], m),
    tensor('output.weight', [shape.embd, nVocab], m),
  ];
  for (let i = 0; i < shape.layers; i++) {
    const p = `blk.${i}.`;
    tensors.push(
      tensor(`${p}attn_norm.weight`, [shape.embd], m),
      tensor(`${p}attn_q.weight`, [shape.embd, shape.embd], m),
      tensor(`${p}attn_k.weight`, [shape.embd, kvDim], m),
      tensor(`${p}attn_v.weight`, [shape.embd, kvDim], m),
      tensor(`${p}attn_output.weight`, [shape.embd, shape.embd], m),
      tensor(`${p}ffn_norm.weight`, [shape.embd], m),
      tensor(`${p}ffn_gate.weight`, [shape.embd, shape.ff], m),
      tensor(`${p}ffn_up.weight`, [shape.embd, shape.ff], m),
      tensor(`${p}ffn_down.weight`, [shape.ff, shape.embd], m),
    );
  }
  return { metadata, tensors };
}
