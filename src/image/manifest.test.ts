import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ZodError } from 'zod';
import { fileDigests, type ImageManifest, imageVersion, renderManifestJson, renderManifestYaml } from './manifest.ts';

const manifest: ImageManifest = {
  name: 'slm-copilot',
  version: '0.1.0-1-20261126',
  format: 'qcow2',
  size: 8 * 1024 ** 3,
  file_size: 1234567,
  sha256: 'a'.repeat(64),
  md5: 'b'.repeat(32),
  creation_time: 1795680000,
  'os-id': 'Debian',
  'os-release': '12',
  'os-arch': 'x86_64',
  kind: 'release',
  slm_copilot: '0.1.0',
  node: 'v24.21.0',
  kernel: '6.1.0-56-cloud-amd64',
  model: { file: 'devstral.gguf', id: 'devstral', bytes: 10, sha256: 'c'.repeat(64) },
  context_package: null,
  packages: { nginx: '1.22.1-9+deb12u2' },
  build_seconds: 321.5,
};

test('manifest YAML and JSON carry the same validated fields', () => {
  const fromYaml = parse(renderManifestYaml(manifest)) as ImageManifest;
  assert.deepEqual(fromYaml, manifest);
  assert.deepEqual(JSON.parse(renderManifestJson(manifest)), manifest);
});

test('a manifest with a bad checksum or zero size is refused', () => {
  const refusedField = (field: string) => (e: unknown) =>
    e instanceof ZodError && e.issues.length === 1 && e.issues[0]?.path.join('.') === field;
  assert.throws(() => renderManifestYaml({ ...manifest, sha256: 'xyz' }), refusedField('sha256'));
  assert.throws(() => renderManifestYaml({ ...manifest, size: 0 }), refusedField('size'));
});

test('version follows one-apps: version-release-YYYYMMDD', () => {
  assert.equal(imageVersion('0.1.0', 3, new Date('2026-11-26T07:00:00Z')), '0.1.0-3-20261126');
});

test('digests match known values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  try {
    writeFileSync(join(dir, 'f'), 'abc');
    assert.deepEqual(await fileDigests(join(dir, 'f')), {
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      md5: '900150983cd24fb0d6963f7d28e17f72',
      bytes: 3,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
