import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { attribute, declaredVariables, type HclBlock, parseBlocks, referencedInputFiles, usedVariables } from './packer-check.ts';

const packerDir = fileURLToPath(new URL('../../packaging/packer/', import.meta.url));
const recipe = join(packerDir, 'service_SlmCopilot');
const hclFiles = readdirSync(recipe).filter((f) => f.endsWith('.pkr.hcl'));
const sources = new Map(hclFiles.map((f) => [f, readFileSync(join(recipe, f), 'utf8')]));
const blocks: HclBlock[] = [...sources.values()].flatMap((s) => parseBlocks(s));
const all = [...sources.values()].join('\n');

test('parser: blocks, labels, nesting; attributes holding objects are not blocks; unbalanced braces fail', () => {
  const b = parseBlocks('a "x" "y" {\n  k = { v = 1 }\n  inner { s = "}${var.q}" }\n}\n# c {\n');
  assert.equal(b.length, 1);
  assert.deepEqual([b[0]!.type, b[0]!.labels], ['a', ['x', 'y']]);
  assert.deepEqual(
    b[0]!.children.map((c) => c.type),
    ['inner'],
  );
  assert.throws(() => parseBlocks('a {\n b {\n}\n'), /unclosed/);
  assert.throws(() => parseBlocks('a { "x }\n'), /unterminated/);
});

test('recipe files are one-apps layout: <Name>.pkr.hcl, variables.pkr.hcl, vars-common.pkr.hcl symlink', () => {
  assert.deepEqual(hclFiles.sort(), ['SlmCopilot.pkr.hcl', 'variables.pkr.hcl', 'vars-common.pkr.hcl']);
  assert.equal(realpathSync(join(recipe, 'vars-common.pkr.hcl')), realpathSync(join(packerDir, 'common.pkr.hcl')));
});

test('the qemu plugin is required and the qemu source boots with KVM and host CPU', () => {
  const packer = blocks.find((b) => b.type === 'packer');
  assert.ok(packer?.children.some((c) => c.type === 'required_plugins' && /github\.com\/hashicorp\/qemu/.test(c.body)));
  const qemu = blocks.find((b) => b.type === 'source' && b.labels[0] === 'qemu');
  assert.ok(qemu, 'source "qemu" block');
  assert.equal(attribute(qemu.body, 'accelerator'), '"kvm"');
  assert.equal(attribute(qemu.body, 'format'), '"qcow2"');
  assert.match(qemu.body, /"-cpu", "host"/);
  assert.match(qemu.body, /"-cdrom", "\$\{var\.input_dir\}\/\$\{var\.appliance_name\}-context\.iso"/);
});

test('builds: context ISO labelled CONTEXT, then release + model + service install + postprocess', () => {
  const builds = blocks.filter((b) => b.type === 'build');
  assert.equal(builds.length, 2);
  const context = builds.find((b) => /source\.null\.null/.test(b.body))!;
  assert.match(context.body, /mkisofs[^"]*-V CONTEXT/);
  const appliance = builds.find((b) => /source\.qemu\.slm_copilot/.test(b.body))!;
  const steps = appliance.children.map((c) => `${c.type}:${c.labels.join(',')}`);
  assert.deepEqual(steps, [
    'provisioner:shell',
    'provisioner:file',
    'provisioner:file',
    'provisioner:shell',
    'provisioner:shell',
    'provisioner:shell',
    'post-processor:shell-local',
  ]);
  assert.ok(appliance.children.some((c) => c.body.includes('/etc/one-appliance/service install')));
  assert.ok(appliance.children.some((c) => /source\s*=\s*var\.release_tarball/.test(c.body)));
  assert.ok(appliance.children.some((c) => /source\s*=\s*var\.model_file/.test(c.body)));
  assert.match(appliance.children.at(-1)!.body, /postprocess\.sh/);
});

test('every variable used is declared and every declared variable is used', () => {
  const declared = declaredVariables(blocks);
  const used = usedVariables(all);
  assert.deepEqual(
    [...used].filter((v) => !declared.has(v)),
    [],
    'used but not declared',
  );
  assert.deepEqual(
    [...declared].filter((v) => !used.has(v)),
    [],
    'declared but not used',
  );
});

test('referenced scripts exist, are executable and pass bash -n', () => {
  const files = [...referencedInputFiles(all)].filter((f) => !f.endsWith('.iso') && f !== 'context' && !f.startsWith('context/'));
  assert.ok(files.length >= 5, files.join(','));
  for (const f of files) {
    const path = join(recipe, f);
    accessSync(path, constants.X_OK);
    execFileSync('bash', ['-n', path]);
  }
  for (const f of ['build.sh', 'postprocess.sh']) execFileSync('bash', ['-n', join(packerDir, f)]);
  assert.match(readFileSync(join(packerDir, 'postprocess.sh'), 'utf8'), /--root-password disabled/);
});
