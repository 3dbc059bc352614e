/**
 * Encoding of float rows into the ggml tensor types our generator writes. Little-endian, as GGUF requires.
 */

export const GgmlType = { F32: 0, F16: 1, Q8_0: 8 } as const;
export type GgmlTypeId = (typeof GgmlType)[keyof typeof GgmlType];

/** `general.file_type` values (llama_ftype) matching a file whose big tensors use the given type. */
export const fileTypeOf: Record<GgmlTypeId, number> = { 0: 0, 1: 1, 8: 7 };

const Q8_0_BLOCK = 32;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const Q8_0_BLOCK_BYTES = 34;

export function rowBytes(type: GgmlTypeId, ne0: number): number {
  switch (type) {
    case GgmlType.F32:
      return ne0 * 4;
    case GgmlType.F16:
      return ne0 * 2;
    case GgmlType.Q8_0:
      if (ne0 % Q8_0_BLOCK !== 0) throw new Error(`Q8_0 needs a row length that is a multiple of 32, got ${ne0}`);
      return (ne0 / Q8_0_BLOCK) * Q8_0_BLOCK_BYTES;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `value` (rounded to float32 first), round-to-nearest-even. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  // A carry out of the mantissa moves into the exponent, which is the correct rounding (up to infinity).
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Encodes whole rows (values.length must be a multiple of ne0) into a fresh byte array. */
export function encodeRows(type: GgmlTypeId, values: Float32Array, ne0: number): Uint8Array {
  const rows = values.length / ne0;
  const out = new Uint8Array(rows * rowBytes(type, ne0));
  const view = new DataView(out.buffer);
  switch (type) {
    case GgmlType.F32:
      if (LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      else for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
      return out;
    case GgmlType.F16:
      for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toFloat16Bits(values[i]!), true);
      return out;
    case GgmlType.Q8_0: {
      const quants = new Int8Array(out.buffer);
      const blocks = values.length / Q8_0_BLOCK;
      for (let b = 0; b < blocks; b++) {
        const base = b * Q8_0_BLOCK;
        let amax = 0;
        for (let j = 0; j < Q8_0_BLOCK; j++) amax = Math.max(amax, Math.abs(values[base + j]!));
        const d = Math.fround(amax / 127);
        const id = d !== 0 ? 1 / d : 0;
        const at = b * Q8_0_BLOCK_BYTES;
        view.setUint16(at, toFloat16Bits(d), true);
        for (let j = 0; j < Q8_0_BLOCK; j++) {
          const x = values[base + j]! * id;
          // C roundf: halves away from zero. |x| ≤ 127 by construction.
          quants[at + 2 + j] = x < 0 ? -Math.round(-x) : Math.round(x);
        }
      }
      return out;
    }
  }
}
