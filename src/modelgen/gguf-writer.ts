/**
 * A dependency-free GGUF v3 writer. Tensor data is produced row chunk by row chunk through callbacks, so
 * files far larger than memory can be written; the sha256 is computed on the way out.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { encodeRows, type GgmlTypeId, rowBytes } from './tensor-encoding.ts';

export const GGUF_ALIGNMENT = 32;

export type GgufValue =
  | { kind: 'string'; value: string }
  | { kind: 'uint32'; value: number }
  | { kind: 'int32'; value: number }
  | { kind: 'float32'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'stringArray'; value: readonly string[] }
  | { kind: 'int32Array'; value: readonly number[] };

export const gguf = {
  string: (value: string): GgufValue => ({ kind: 'string', value }),
  uint32: (value: number): GgufValue => ({ kind: 'uint32', value }),
  int32: (value: number): GgufValue => ({ kind: 'int32', value }),
  float32: (value: number): GgufValue => ({ kind: 'float32', value }),
  bool: (value: boolean): GgufValue => ({ kind: 'bool', value }),
  stringArray: (value: readonly string[]): GgufValue => ({ kind: 'stringArray', value }),
  int32Array: (value: readonly number[]): GgufValue => ({ kind: 'int32Array', value }),
};

export interface GgufTensor {
  name: string;
  /** ne0 (row length) first, as GGUF stores them. */
  dims: readonly number[];
  type: GgmlTypeId;
  /** Fills `out` with the float values of rows firstRow… (out.length / ne0 rows); called with increasing rows. */
  fillRows(firstRow: number, out: Float32Array): void;
}

export interface GgufFile {
  metadata: ReadonlyArray<readonly [string, GgufValue]>;
  tensors: readonly GgufTensor[];
}

export interface WriteResult {
  bytes: number;
  sha256: string;
}

const ValueType = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

/** Little-endian byte builder for the (small) header part of the file. */
class ByteBuilder {
  private chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u8(v: number): void {
    this.push(Buffer.from([v]));
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeValue(b: ByteBuilder, v: GgufValue): void {
  switch (v.kind) {
    case 'string':
      b.u32(ValueType.STRING);
      b.str(v.value);
      return;
    case 'uint32':
      b.u32(ValueType.UINT32);
      b.u32(v.value);
      return;
    case 'int32':
      b.u32(ValueType.INT32);
      b.i32(v.value);
      return;
    case 'float32':
      b.u32(ValueType.FLOAT32);
      b.f32(v.value);
      return;
    case 'bool':
      b.u32(ValueType.BOOL);
      b.u8(v.value ? 1 : 0);
      return;
    case 'stringArray':
      b.u32(ValueType.ARRAY);
      b.u32(ValueType.STRING);
      b.u64(v.value.length);
      for (const s of v.value) b.str(s);
      return;
    case 'int32Array':
      b.u32(ValueType.ARRAY);
      b.u32(ValueType.INT32);
      b.u64(v.value.length);
      for (const n of v.value) b.i32(n);
      return;
  }
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

export function tensorByteSize(t: GgufTensor): number {
  const ne0 = t.dims[0]!;
  const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
  return rows * rowBytes(t.type, ne0);
}

/** Size in bytes of the file `writeGguf` would produce. */
export function ggufFileSize(file: GgufFile): number {
  let size = alignUp(buildHeader(file).length, GGUF_ALIGNMENT);
  for (const t of file.tensors) size += alignUp(tensorByteSize(t), GGUF_ALIGNMENT);
  return size;
}

function buildHeader(file: GgufFile): Buffer {
  const b = new ByteBuilder();
  b.raw(Buffer.from('GGUF', 'ascii'));
  b.u32(3);
  b.u64(file.tensors.length);
  b.u64(file.metadata.length);
  for (const [key, value] of file.metadata) {
    b.str(key);
    writeValue(b, value);
  }
  let offset = 0;
  for (const t of file.tensors) {
    b.str(t.name);
    b.u32(t.dims.length);
    for (const d of t.dims) b.u64(d);
    b.u32(t.type);
    b.u64(offset);
    offset += alignUp(tensorByteSize(t), GGUF_ALIGNMENT);
  }
  return b.toBuffer();
}

export interface WriteOptions {
  /** Upper bound of float values generated per chunk (memory use ≈ 8 bytes per value). */
  chunkValues?: number;
}

/** Writes the file to `path` (created or truncated). */
export function writeGguf(path: string, file: GgufFile, options: WriteOptions = {}): WriteResult {
  const chunkValues = options.chunkValues ?? 1 << 20;
  const hash = createHash('sha256');
  const fd = openSync(path, 'w', 0o644);
  let bytes = 0;
  const emit = (data: Uint8Array): void => {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    hash.update(data);
    bytes += data.length;
  };
  const pad = (): void => {
    const n = alignUp(bytes, GGUF_ALIGNMENT) - bytes;
    if (n > 0) emit(new Uint8Array(n));
  };
  try {
    emit(buildHeader(file));
    pad();
    for (const t of file.tensors) {
      const ne0 = t.dims[0]!;
      const rows = t.dims.slice(1).reduce((a, b) => a * b, 1);
      const rowsPerChunk = Math.max(1, Math.floor(chunkValues / ne0));
      for (let row = 0; row < rows; row += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, rows - row);
        const values = new Float32Array(n * ne0);
        t.fillRows(row, values);
        emit(encodeRows(t.type, values, ne0));
      }
      pad();
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest('hex') };
}
