import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseOneTemplate } from '../onetemplate.ts';
import { ONETEMPLATE_PATH, renderContextSh, TOKEN_FILE, testContextVars, writeContextIso } from './context-iso.ts';

const oneGate = { endpoint: 'http://10.0.2.100:5030', vmId: '4217', token: 'tok-abc' };

test('context.sh quotes values so sourcing it never runs anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctx-'));
  try {
    const evil = `a'; touch ${dir}/pwned; echo '$(id) \`id\` "q"`;
    writeFileSync(join(dir, 'context.sh'), renderContextSh({ ONEAPP_COPILOT_API_KEY: evil }));
    const out = execFileSync('sh', ['-c', `. ${dir}/context.sh; printf %s "$ONEAPP_COPILOT_API_KEY"`], { encoding: 'utf8' });
    assert.equal(out, evil);
    assert.throws(() => readFileSync(join(dir, 'pwned')), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid variable names are refused', () => {
  assert.throws(() => renderContextSh({ 'A;B': 'x' }), /A;B/);
});

test('test context carries the key, SSH key, NIC MAC and ONEAPP_COPILOT_* values', () => {
  const vars = testContextVars({
    apiKey: 'sk-test',
    sshPublicKey: 'ssh-ed25519 AAAA x',
    mac: '52:54:00:12:34:56',
    oneGate,
    extra: { ONEAPP_COPILOT_LIMIT_RATE: '7' },
  });
  assert.equal(vars['ONEAPP_COPILOT_API_KEY'], 'sk-test');
  assert.equal(vars['SSH_PUBLIC_KEY'], 'ssh-ed25519 AAAA x');
  assert.equal(vars['ETH0_MAC'], '52:54:00:12:34:56');
  assert.equal(vars['ONEAPP_COPILOT_LIMIT_RATE'], '7');
  assert.equal(vars['NETWORK'], 'YES');
});

test('test context is exactly the onetemplate CONTEXT, instantiated: every template key, OneGate on, defaults filled, no leftover $', () => {
  const vars = testContextVars({ apiKey: 'sk-test', sshPublicKey: 'ssh-ed25519 AAAA x', mac: '52:54:00:12:34:56', oneGate });
  const template = parseOneTemplate(readFileSync(ONETEMPLATE_PATH, 'utf8'));
  const context = template.get('CONTEXT') as Record<string, string>;
  // What OpenNebula adds: the NIC's variables, and for TOKEN=YES the OneGate endpoint and the VM id.
  const nicVars = Object.keys(vars).filter((k) => /^(ETH0_|ONEGATE_ENDPOINT$|VMID$)/.test(k));
  assert.deepEqual(
    Object.keys(vars)
      .filter((k) => !nicVars.includes(k))
      .sort(),
    Object.keys(context).sort(),
  );
  assert.equal(vars['TOKEN'], 'YES');
  assert.equal(vars['REPORT_READY'], 'YES');
  assert.equal(vars['ONEGATE_ENDPOINT'], 'http://10.0.2.100:5030');
  assert.equal(vars['VMID'], '4217');
  assert.equal(vars['ONEAPP_COPILOT_ENGINE_TIMEOUT'], '300', 'an input the test leaves alone takes its default');
  for (const [k, v] of Object.entries(vars)) assert.doesNotMatch(v, /\$[A-Z]/, `${k} still references ${v}`);
});

test('a test input the template does not declare (a renamed variable) is refused, naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxtpl-'));
  try {
    const renamed = readFileSync(ONETEMPLATE_PATH, 'utf8').replaceAll('ONEAPP_COPILOT_ENGINE_THREADS', 'ONEAPP_COPILOT_CPU_THREADS');
    writeFileSync(join(dir, 't'), renamed);
    assert.throws(
      () => testContextVars({ apiKey: 'sk-test', sshPublicKey: 'k', mac: '52:54:00:12:34:56', oneGate }, join(dir, 't')),
      /ONEAPP_COPILOT_ENGINE_THREADS is not a user input of the template/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TOKEN=YES without a OneGate is refused, as oned refuses it without ONEGATE_ENDPOINT; the token is not a context variable', () => {
  assert.throws(() => testContextVars({ apiKey: 'sk-test', sshPublicKey: 'k', mac: '52:54:00:12:34:56' }), /TOKEN=YES/);
  const vars = testContextVars({ apiKey: 'sk-test', sshPublicKey: 'k', mac: '52:54:00:12:34:56', oneGate });
  assert.ok(!Object.values(vars).includes('tok-abc'));
});

test('the ISO is labelled CONTEXT and holds context.sh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxiso-'));
  try {
    const iso = join(dir, 'context.iso');
    await writeContextIso(join(dir, 'content'), iso, { ONEAPP_COPILOT_API_KEY: 'sk-abc' }, join(dir, 'log'), { [TOKEN_FILE]: 'tok-abc' });
    const header = readFileSync(iso).subarray(0x8000, 0x8000 + 2048);
    assert.equal(header.subarray(1, 6).toString('ascii'), 'CD001');
    assert.equal(header.subarray(40, 72).toString('ascii').trim(), 'CONTEXT');
    const listing = execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/context.sh'], { encoding: 'utf8' });
    assert.match(listing, /^ONEAPP_COPILOT_API_KEY='sk-abc'$/m);
    assert.equal(execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/token.txt'], { encoding: 'utf8' }), 'tok-abc');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
