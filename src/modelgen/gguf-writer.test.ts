import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { type GgufFile, type GgufTensor, gguf, ggufFileSize, writeGguf } from './gguf-writer.ts';
import { fromFloat16Bits, GgmlType, type GgmlTypeId } from './tensor-encoding.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gguf-writer-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Value of element (col, row) of a test tensor: exactly representable in f16 and in Q8_0 (row max 127·2⁻⁴). */
const valueAt = (col: number, row: number): number => (((col * 7 + row * 3) % 255) - 127) / 16;

function tensor(name: string, dims: number[], type: GgmlTypeId): GgufTensor {
  let nextRow = 0;
  return {
    name,
    dims,
    type,
    fillRows(firstRow, out) {
      assert.equal(firstRow, nextRow, 'rows are requested in order');
      const ne0 = dims[0]!;
      for (let i = 0; i < out.length; i++) out[i] = valueAt(i % ne0, firstRow + Math.floor(i / ne0));
      nextRow += out.length / ne0;
    },
  };
}

function sampleFile(): GgufFile {
  return {
    metadata: [
      ['general.architecture', gguf.string('llama')],
      ['general.alignment', gguf.uint32(32)],
      ['test.uint32', gguf.uint32(4_000_000_000)],
      ['test.int32', gguf.int32(-5)],
      ['test.float32', gguf.float32(0.25)],
      ['test.bool', gguf.bool(true)],
      ['test.unicode', gguf.string('héllo ✓ 🙂')],
      ['test.strings', gguf.stringArray(['a', '', 'Ġb c'])],
      ['test.ints', gguf.int32Array([1, -2, 3])],
    ],
    tensors: [
      tensor('a.f32', [3], GgmlType.F32),
      tensor('b.f16', [5, 3], GgmlType.F16),
      tensor('c.q8', [64, 5], GgmlType.Q8_0),
      tensor('d.f32', [32, 2, 3], GgmlType.F32),
    ],
  };
}

test('a written file reads back with node-llama-cpp (metadata, tensor infos, data)', async () => {
  const path = join(dir, 'sample.gguf');
  const written = writeGguf(path, sampleFile());
  const bytes = readFileSync(path);
  assert.equal(written.bytes, bytes.length);
  assert.equal(written.bytes, ggufFileSize(sampleFile()));
  assert.equal(bytes.subarray(0, 4).toString('ascii'), 'GGUF');

  const info = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(info.version, 3);
  assert.equal(Number(info.tensorCount), 4);
  const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
  assert.equal(md['general']!['architecture'], 'llama');
  assert.equal(md['test']!['uint32'], 4_000_000_000);
  assert.equal(md['test']!['int32'], -5);
  assert.equal(md['test']!['float32'], 0.25);
  assert.equal(md['test']!['bool'], true);
  assert.equal(md['test']!['unicode'], 'héllo ✓ 🙂');
  assert.deepEqual(md['test']!['strings'], ['a', '', 'Ġb c']);
  assert.deepEqual(md['test']!['ints'], [1, -2, 3]);

  const infos = info.tensorInfo ?? [];
  assert.deepEqual(
    infos.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType]),
    [
      ['a.f32', [3], GgmlType.F32],
      ['b.f16', [5, 3], GgmlType.F16],
      ['c.q8', [64, 5], GgmlType.Q8_0],
      ['d.f32', [32, 2, 3], GgmlType.F32],
    ],
  );
  for (const t of infos) assert.equal(Number(t.fileOffset) % 32, 0, `${t.name} is aligned`);

  const at = (name: string): number => Number(infos.find((t) => t.name === name)!.fileOffset);
  assert.equal(bytes.readFloatLE(at('a.f32') + 4), valueAt(1, 0));
  assert.equal(fromFloat16Bits(bytes.readUInt16LE(at('b.f16') + 2 * (2 * 5 + 4))), valueAt(4, 2));
  // Q8_0 row 3, block 1, element 5: the f16 scale then int8 quants.
  const block = at('c.q8') + (3 * 2 + 1) * 34;
  const d = fromFloat16Bits(bytes.readUInt16LE(block));
  assert.ok(Math.abs(bytes.readInt8(block + 2 + 5) * d - valueAt(37, 3)) < 1e-6);
  assert.equal(bytes.readFloatLE(at('d.f32') + 4 * (32 * 5 + 31)), valueAt(31, 5));
});

test('chunked writing produces the same bytes for any chunk size', () => {
  const one = writeGguf(join(dir, 'one.gguf'), sampleFile(), { chunkValues: 1 });
  const some = writeGguf(join(dir, 'some.gguf'), sampleFile(), { chunkValues: 70 });
  const all = writeGguf(join(dir, 'all.gguf'), sampleFile(), { chunkValues: 1 << 20 });
  assert.equal(one.sha256, all.sha256);
  assert.equal(some.sha256, all.sha256);
  assert.deepEqual(readFileSync(join(dir, 'one.gguf')), readFileSync(join(dir, 'all.gguf')));
});
