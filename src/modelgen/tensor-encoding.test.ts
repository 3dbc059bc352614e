import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeRows, fromFloat16Bits, GgmlType, rowBytes, toFloat16Bits } from './tensor-encoding.ts';

test('float16 conversion matches IEEE 754 binary16', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up to infinity
    [1e9, 0x7c00],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie → even (zero)
    [3 * 2 ** -25, 0x0002], // tie → even (2)
    [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01 → even
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 → even
    [Infinity, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(toFloat16Bits(value), bits, `f16(${value})`);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  for (let bits = 0; bits < 0x7c00; bits += 7) assert.equal(toFloat16Bits(fromFloat16Bits(bits)), bits);
});

test('Q8_0 blocks hold an f16 scale and 32 int8 values that reconstruct the input', () => {
  const values = new Float32Array(64);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i) * (i < 32 ? 1 : 0.01);
  const bytes = encodeRows(GgmlType.Q8_0, values, 64);
  assert.equal(bytes.length, rowBytes(GgmlType.Q8_0, 64));
  assert.equal(bytes.length, 68);
  const view = new DataView(bytes.buffer);
  for (let block = 0; block < 2; block++) {
    const d = fromFloat16Bits(view.getUint16(block * 34, true));
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(values[block * 32 + j]!));
    assert.ok(Math.abs(d - amax / 127) <= (amax / 127) * 1e-3);
    for (let j = 0; j < 32; j++) {
      const q = view.getInt8(block * 34 + 2 + j);
      assert.ok(Math.abs(q * d - values[block * 32 + j]!) <= d * 0.51, `block ${block} value ${j}`);
    }
  }
  assert.throws(() => rowBytes(GgmlType.Q8_0, 48), /multiple of 32/);
});
