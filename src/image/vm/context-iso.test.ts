import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderContextSh, testContextVars, writeContextIso } from './context-iso.ts';

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
    extra: { ONEAPP_COPILOT_RATE_LIMIT: '7' },
  });
  assert.equal(vars['ONEAPP_COPILOT_API_KEY'], 'sk-test');
  assert.equal(vars['SSH_PUBLIC_KEY'], 'ssh-ed25519 AAAA x');
  assert.equal(vars['ETH0_MAC'], '52:54:00:12:34:56');
  assert.equal(vars['ONEAPP_COPILOT_RATE_LIMIT'], '7');
  assert.equal(vars['NETWORK'], 'YES');
});

test('the ISO is labelled CONTEXT and holds context.sh', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctxiso-'));
  try {
    const iso = join(dir, 'context.iso');
    await writeContextIso(join(dir, 'content'), iso, { ONEAPP_COPILOT_API_KEY: 'sk-abc' }, join(dir, 'log'));
    const header = readFileSync(iso).subarray(0x8000, 0x8000 + 2048);
    assert.equal(header.subarray(1, 6).toString('ascii'), 'CD001');
    assert.equal(header.subarray(40, 72).toString('ascii').trim(), 'CONTEXT');
    const listing = execFileSync('isoinfo', ['-R', '-i', iso, '-x', '/context.sh'], { encoding: 'utf8' });
    assert.match(listing, /^ONEAPP_COPILOT_API_KEY='sk-abc'$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
