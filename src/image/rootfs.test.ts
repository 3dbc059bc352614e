import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderStandInScript } from './context-stand-in.ts';
import { overlayFiles, renderCustomizeScript, unitsToEnable } from './rootfs.ts';

const base = {
  releaseDir: '/b/release/slm-copilot-0.1.0',
  model: { path: '/b/m.gguf', file: 'm.gguf', yaml: '' },
  packagesOut: '/b/packages.list',
  overlay: '/b/overlay',
};

test('the one-context stand-in goes into test images only, never into release images', () => {
  const release = [...overlayFiles('release').keys()].join('\n');
  const testImage = [...overlayFiles('test').keys()].join('\n');
  assert.doesNotMatch(release, /stand-in/);
  assert.match(testImage, /one-context-test-stand-in/);
  for (const path of overlayFiles('test').keys())
    if (!overlayFiles('release').has(path)) assert.match(path, /test-stand-in/, `${path} must be named as test-only`);
  assert.ok(!unitsToEnable('release').some((u) => /stand-in/.test(u)));
  assert.ok(unitsToEnable('test').includes('one-context-test-stand-in.service'));
  assert.doesNotMatch(renderCustomizeScript({ ...base, contextDeb: undefined, kind: 'release' }), /stand-in/);
});

test('customize hook: release copied, appliance install run in the chroot, package versions recorded', () => {
  const script = renderCustomizeScript({ ...base, contextDeb: '/b/one-context_6.10.0-3.deb', kind: 'release' });
  const lines = script.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(/cp -a \/b\/release\/slm-copilot-0\.1\.0 "\$root\/opt\/slm-copilot"/) >= 0);
  assert.ok(at(/apt-get install .*\/tmp\/one-context\.deb/) >= 0);
  // one-context first, then `install` (its hooks go into /etc/one-context.d).
  assert.ok(at(/one-context\.deb/) < at(/slm-copilot install$/));
  assert.ok(at(/usermod -p "\*" root/) > 0);
  assert.ok(at(/dpkg-query/) === lines.length - 2);
  execFileSync('sh', ['-n', '-c', script]);
});

test('build paths that would need shell quoting are refused', () => {
  assert.throws(
    () => renderCustomizeScript({ ...base, releaseDir: '/b/rel ease', contextDeb: undefined, kind: 'release' }),
    /unsupported characters/,
  );
  assert.throws(
    () => renderCustomizeScript({ ...base, model: { ...base.model, file: 'm;rm -rf.gguf' }, contextDeb: undefined, kind: 'test' }),
    /unsupported/,
  );
});

test('stand-in script is valid bash and writes one_env as data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'standin-'));
  try {
    writeFileSync(join(dir, 's.sh'), renderStandInScript());
    execFileSync('bash', ['-n', join(dir, 's.sh')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
