import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEVSTRAL_SMALL_2_HEADER, writeHeaderOnlyGguf } from '../../test/support/gguf-header.ts';
import { testModelPath } from '../../test/support/test-models.ts';
import { ConfigError } from './errors.ts';
import { kvBytesPerToken, kvShapeFromMetadata, readKvShape } from './gguf-kv-shape.ts';

const dir = mkdtempSync(join(tmpdir(), 'slm-kv-shape-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('KV bytes per token from GGUF metadata', () => {
  it("Devstral Small 2's header gives 160 KiB per token (key_length wins over embd / heads = 160)", async () => {
    const path = join(dir, 'devstral.gguf');
    writeHeaderOnlyGguf(path, DEVSTRAL_SMALL_2_HEADER);
    const shape = await readKvShape(path);
    assert.deepEqual(shape, {
      architecture: 'mistral3',
      layers: 40,
      kvHeadsTotal: 320,
      keyLength: 128,
      valueLength: 128,
      trainContext: 262144,
    });
    assert.equal(kvBytesPerToken(shape), 160 * 1024);
    assert.equal(kvBytesPerToken(shape, 1), 80 * 1024, 'a q8_0-sized element halves it');
  });

  it('the generated tiny model: 2 layers × 4 KV heads × (16 + 16) × 2 B, trained for 4096', async () => {
    const shape = await readKvShape(await testModelPath('tiny'));
    assert.equal(kvBytesPerToken(shape), 512);
    assert.equal(shape.trainContext, 4096);
  });

  it('per-layer KV head counts are summed (layers without attention count 0)', () => {
    const shape = kvShapeFromMetadata(
      {
        general: { architecture: 'hybrid' },
        hybrid: {
          context_length: 8192,
          embedding_length: 256,
          block_count: 3,
          attention: { head_count: [8, 8, 8], head_count_kv: [2, 0, 2] },
        },
      },
      'm.gguf',
    );
    assert.equal(shape.kvHeadsTotal, 4);
    assert.equal(kvBytesPerToken(shape), 4 * 64 * 2);
  });

  it('a file that is not GGUF, or lacks the figures, is a ConfigError naming the field', async () => {
    const junk = join(dir, 'junk.gguf');
    writeFileSync(junk, Buffer.alloc(1024));
    await assert.rejects(
      readKvShape(junk, 'ONEAPP_COPILOT_ENGINE_MODEL'),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues[0]?.field === 'ONEAPP_COPILOT_ENGINE_MODEL' &&
        /cannot read GGUF metadata/.test(e.issues[0].message),
    );
    assert.throws(
      () => kvShapeFromMetadata({ general: { architecture: 'llama' }, llama: { context_length: 4096 } }, 'x.gguf'),
      (e: unknown) => e instanceof ConfigError && /llama\.embedding_length/.test(e.issues[0]?.message ?? ''),
    );
  });
});
