import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { fileDigests, publishedImageSchema } from './manifest.ts';
import { attribute, declaredVariables, type HclBlock, parseBlocks, referencedInputFiles, usedVariables } from './packer-check.ts';

const packerDir = fileURLToPath(new URL('../../packaging/packer/', import.meta.url));
const recipe = join(packerDir, 'service_SlmCopilot');
const hclFiles = readdirSync(recipe).filter((f) => f.endsWith('.pkr.hcl'));
const sources = new Map(hclFiles.map((f) => [f, readFileSync(join(recipe, f), 'utf8')]));
const blocks: HclBlock[] = [...sources.values()].flatMap((s) => parseBlocks(s));
const all = [...sources.values()].join('\n');
const scratch = mkdtempSync(join(tmpdir(), 'slm-packer-check-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** gen_context's output as OpenNebula's context.sh: KEY='VALUE' lines only. */
function buildContext(): Record<string, string> {
  const out = execFileSync(join(recipe, 'gen_context'), { encoding: 'utf8' });
  const vars: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='([^']*)'$/.exec(line);
    assert.ok(m, `not a context.sh line: ${line}`);
    vars[m[1]!] = m[2]!;
  }
  return vars;
}

const qemuSource = () => blocks.find((b) => b.type === 'source' && b.labels[0] === 'qemu')!;
const applianceBuild = () => blocks.find((b) => b.type === 'build' && /source\.qemu\.slm_copilot/.test(b.body))!;

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

test('recipe files are one-apps layout: <Name>.pkr.hcl, variables.pkr.hcl, vars-common.pkr.hcl symlink; build.sh, manifest.sh, postprocess.sh', () => {
  assert.deepEqual(hclFiles.sort(), ['SlmCopilot.pkr.hcl', 'variables.pkr.hcl', 'vars-common.pkr.hcl']);
  assert.equal(realpathSync(join(recipe, 'vars-common.pkr.hcl')), realpathSync(join(packerDir, 'common.pkr.hcl')));
  for (const f of ['build.sh', 'manifest.sh', 'postprocess.sh']) accessSync(join(packerDir, f), constants.X_OK);
});

test('the qemu plugin is required and the qemu source boots with KVM and host CPU', () => {
  const packer = blocks.find((b) => b.type === 'packer');
  assert.ok(packer?.children.some((c) => c.type === 'required_plugins' && /github\.com\/hashicorp\/qemu/.test(c.body)));
  const qemu = qemuSource();
  assert.ok(qemu, 'source "qemu" block');
  assert.equal(attribute(qemu.body, 'accelerator'), '"kvm"');
  assert.equal(attribute(qemu.body, 'format'), '"qcow2"');
  assert.match(qemu.body, /"-cpu", "host"/);
  assert.match(qemu.body, /"-cdrom", "\$\{var\.input_dir\}\/\$\{var\.appliance_name\}-context\.iso"/);
});

test('build network: gen_context sets ETH0_MAC and the qemuargs NIC has exactly that MAC, with SSH forwarded for Packer', () => {
  const context = buildContext();
  assert.equal(context['NETWORK'], 'YES');
  assert.equal(context['ETH0_METHOD'], 'dhcp');
  const mac = context['ETH0_MAC'];
  assert.match(mac ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  const qemu = qemuSource().body;
  const nicMacs = [...qemu.matchAll(/"-device",\s*"virtio-net-pci,([^"]*)"/g)].map((m) => /(?:^|,)mac=([^,]+)/.exec(m[1]!)?.[1]);
  assert.deepEqual(nicMacs, [mac], "one virtio NIC, with gen_context's ETH0_MAC");
  const netdev = /"-device",\s*"virtio-net-pci,[^"]*netdev=([^,"]+)/.exec(qemu)?.[1];
  assert.match(qemu, new RegExp(`"-netdev",\\s*"user,id=${netdev},hostfwd=tcp::\\{\\{ \\.SSHHostPort \\}\\}-:22"`));
  // Packer's own NIC would be a second one that one-context ignores.
  assert.equal(attribute(qemu, 'net_device'), undefined);
});

test('build SSH: the start script opens root password login (Debian defaults in), the last provisioner closes it', () => {
  const context = buildContext();
  assert.equal(context['PASSWORD'], attribute(qemuSource().body, 'ssh_password')?.replaceAll('"', ''));
  assert.equal(attribute(qemuSource().body, 'ssh_username'), '"root"');
  const script = Buffer.from(context['START_SCRIPT_BASE64'] ?? '', 'base64').toString();
  // Run it for real on a copy of the base image's settings, with systemctl recorded instead of run.
  const sshdConfig = join(scratch, 'sshd_config');
  writeFileSync(
    sshdConfig,
    'Include /etc/ssh/sshd_config.d/*.conf\n#PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM yes\n',
  );
  const bin = join(scratch, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> ${join(scratch, 'systemctl.log')}\n`, { mode: 0o755 });
  const run = spawnSync('bash', ['-c', script], {
    env: { PATH: `${bin}:${process.env['PATH']}`, SSHD_CONFIG: sshdConfig },
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  const opened = readFileSync(sshdConfig, 'utf8');
  assert.match(opened, /^PasswordAuthentication yes$/m);
  assert.match(opened, /^PermitRootLogin yes$/m);
  assert.doesNotMatch(opened, /^PasswordAuthentication no$/m);
  assert.match(readFileSync(join(scratch, 'systemctl.log'), 'utf8'), /^reload ssh$/m);

  const steps = applianceBuild().children.filter((c) => c.type === 'provisioner');
  assert.match(steps.at(-1)!.body, /81-configure-ssh\.sh/, '81-configure-ssh.sh is the last provisioner');
  assert.ok(!steps.slice(0, -1).some((s) => /81-configure-ssh/.test(s.body)), 'and runs only last');
  const harden = readFileSync(join(recipe, '81-configure-ssh.sh'), 'utf8');
  assert.match(harden, /^set_sshd PasswordAuthentication no$/m);
  assert.match(harden, /^set_sshd PermitRootLogin prohibit-password$/m);
  assert.match(harden, /^sshd -t$/m);
  assert.match(harden, /rm -rf \/var\/lib\/apt\/lists\/\*/);
});

test('builds: context ISO labelled CONTEXT, then dirs + release + model + install + service install + hooks + SSH, postprocess', () => {
  const builds = blocks.filter((b) => b.type === 'build');
  assert.equal(builds.length, 2);
  const context = builds.find((b) => /source\.null\.null/.test(b.body))!;
  assert.match(context.body, /gen_context > \$\{var\.input_dir\}\/context\/context\.sh/);
  assert.match(context.body, /mkisofs[^"]*-V CONTEXT/);
  const appliance = applianceBuild();
  const steps = appliance.children.map(
    (c) =>
      `${c.type}:${c.labels.join(',')}:${/(\d\d-[a-z-]+\.sh|service install|one-appliance\/service\.d|release_tarball|model_file|postprocess\.sh)/.exec(c.body)?.[1]}`,
  );
  assert.deepEqual(steps, [
    'provisioner:shell:one-appliance/service.d',
    'provisioner:file:release_tarball',
    'provisioner:file:model_file',
    'provisioner:shell:85-install-slm-copilot.sh',
    'provisioner:shell:service install',
    'provisioner:shell:82-configure-context.sh',
    'provisioner:shell:81-configure-ssh.sh',
    'post-processor:shell-local:postprocess.sh',
  ]);
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

test('build.sh passes every variable without a default, and only declared ones', () => {
  const text = readFileSync(join(packerDir, 'build.sh'), 'utf8');
  const passed = new Set([...text.matchAll(/-var "([a-z0-9_]+)=/g)].map((m) => m[1]!));
  const variables = blocks.filter((b) => b.type === 'variable');
  assert.deepEqual(
    [...passed].filter((v) => !variables.some((b) => b.labels[0] === v)),
    [],
    'passed but not declared',
  );
  const required = variables.filter((b) => attribute(b.body, 'default') === undefined).map((b) => b.labels[0]!);
  assert.deepEqual(
    required.filter((v) => !passed.has(v)),
    [],
    'required but not passed',
  );
  for (const v of ['appliance_name', 'version', 'input_dir', 'output_dir', 'headless']) assert.ok(passed.has(v), v);
});

test('every shell script under packaging/packer passes bash -n; referenced ones exist and are executable', () => {
  const files = [...referencedInputFiles(all)].filter((f) => !f.endsWith('.iso') && f !== 'context' && !f.startsWith('context/'));
  assert.ok(files.length >= 5, files.join(','));
  for (const f of files) accessSync(join(recipe, f), constants.X_OK);
  const scripts = [...readdirSync(packerDir).map((f) => join(packerDir, f)), ...readdirSync(recipe).map((f) => join(recipe, f))].filter(
    (p) => statSync(p).isFile() && readFileSync(p, 'utf8').startsWith('#!/usr/bin/env bash'),
  );
  assert.ok(scripts.length >= 7, scripts.join(','));
  for (const p of scripts) execFileSync('bash', ['-n', p]);
});

test('postprocess: root password disabled, virt-sysprep and virt-sparsify each bounded by timeout', () => {
  const text = readFileSync(join(packerDir, 'postprocess.sh'), 'utf8');
  assert.match(text, /--root-password disabled/);
  for (const tool of ['virt-sysprep', 'virt-sparsify']) {
    const line = text.split('\n').find((l) => l.includes(tool) && !l.startsWith('#'));
    assert.match(line ?? '', new RegExp(`^timeout [^|;&]*${tool} `), `${tool} under timeout`);
  }
});

test('build.sh contract: exactly <name> <version> <dst>, inputs checked before packer runs', () => {
  const build = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(join(packerDir, 'build.sh'), args, { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } });
  const usage = build(['service_SlmCopilot', '0.1.0']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: .*<name> <version> <dst>/);
  assert.match(build(['service_Nope', '1', 'x.qcow2']).stderr, /<name>: no Packer recipe/);
  assert.match(build(['service_SlmCopilot', '1', 'x.img']).stderr, /<dst>: must end in \.qcow2/);
  assert.match(build(['service_SlmCopilot', '1', 'x.qcow2']).stderr, /SLM_COPILOT_RELEASE: must name an existing file/);
  const text = readFileSync(join(packerDir, 'build.sh'), 'utf8');
  const pinCheck = text.indexOf('sha256sum "$SLM_COPILOT_MODEL"');
  assert.ok(pinCheck > 0 && pinCheck < text.indexOf('packer init'), 'the weights are checked before packer runs');
  assert.ok(text.indexOf('packer build -force') < text.indexOf('qemu-img convert -c -O qcow2'));
  assert.ok(text.indexOf('qemu-img convert') < text.indexOf('manifest.sh'));
});

test('manifest.sh on a real qcow2: the manifest the marketplace command reads, with the right size and digests', async () => {
  const image = join(scratch, 'service_SlmCopilot.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
  const run = spawnSync(join(packerDir, 'manifest.sh'), [image], {
    encoding: 'utf8',
    env: { ...process.env, VERSION: '0.1.0', RELEASE: '3' },
  });
  assert.equal(run.status, 0, run.stderr);
  const manifest = parse(readFileSync(join(scratch, 'service_SlmCopilot.yaml'), 'utf8')) as Record<string, unknown>;
  const published = publishedImageSchema.parse(manifest);
  const digests = await fileDigests(image);
  assert.equal(published.size, 64 * 1024 ** 2);
  assert.equal(published.sha256, digests.sha256);
  assert.equal(published.md5, digests.md5);
  assert.match(published.version, /^0\.1\.0-3-\d{8}$/);
  assert.equal(manifest['os-arch'], 'x86_64');
  assert.equal(manifest['name'], 'SlmCopilot');
  const missing = spawnSync(join(packerDir, 'manifest.sh'), [image], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /VERSION must be set/);
});

test('build.sh pins the weights like image build --model-sha256: no pin or a wrong one stops it before packer; the pin goes to the build VM', () => {
  const dir = mkdtempSync(join(scratch, 'pin-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const model = file('m.gguf', 'GGUF weights');
  const sha = execFileSync('sha256sum', [model], { encoding: 'utf8' }).split(' ')[0]!;
  // A packer that records its arguments: init succeeds, build stops the script right after it is called.
  const bin = join(dir, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'packer'), `#!/bin/sh\necho "$@" >> ${join(dir, 'packer.log')}\n[ "$1" = init ] || exit 3\n`, { mode: 0o755 });
  const inputs = { SLM_COPILOT_RELEASE: file('r.tar.gz', 'r'), SLM_COPILOT_MODEL: model, BASE_IMAGE: file('base.qcow2', 'b') };
  const build = (pin: string | undefined) =>
    spawnSync(join(packerDir, 'build.sh'), ['service_SlmCopilot', '0.1.0', join(dir, 'out', 'service_SlmCopilot.qcow2')], {
      encoding: 'utf8',
      env: {
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        DIR_BUILD: join(dir, 'build'),
        ...inputs,
        ...(pin === undefined ? {} : { SLM_COPILOT_MODEL_SHA256: pin }),
      },
    });
  const packerRan = () => spawnSync('test', ['-e', join(dir, 'packer.log')]).status === 0;

  const none = build(undefined);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /SLM_COPILOT_MODEL_SHA256: must be the 64 hex digits .*image build --model-sha256/);
  assert.match(build('abc').stderr, /SLM_COPILOT_MODEL_SHA256: must be the 64 hex digits/);
  const wrong = build('0'.repeat(64));
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, new RegExp(`SLM_COPILOT_MODEL: .* has sha256 ${sha}, SLM_COPILOT_MODEL_SHA256 pins 0{64}`));
  assert.ok(!packerRan(), 'packer never ran without the right pin');

  const right = build(sha.toUpperCase());
  assert.equal(right.status, 3, right.stderr);
  const log = readFileSync(join(dir, 'packer.log'), 'utf8');
  assert.match(log, new RegExp(`^build -force .*-var model_sha256=${sha} `, 'm'), 'the pin (lower case) reaches packer');

  const install = applianceBuild().children.find((c) => /85-install-slm-copilot\.sh/.test(c.body))!;
  assert.match(install.body, /"MODEL_SHA256=\$\{var\.model_sha256\}"/);
  const script = readFileSync(join(recipe, '85-install-slm-copilot.sh'), 'utf8');
  const check = script.indexOf('sha256sum -c --strict');
  assert.ok(check > 0 && check < script.indexOf('mv /tmp/model.gguf'), 'the upload is checked before it becomes the model');
});
