import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanRootfs } from './cleanup.ts';

test('cleanup empties machine-id, drops host keys, lists, history and truncates logs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'rootfs-'));
  try {
    const put = (p: string, c = 'x') => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), c);
    };
    put('etc/machine-id', '0123456789abcdef\n');
    put('etc/ssh/ssh_host_ed25519_key');
    put('etc/ssh/ssh_host_ed25519_key.pub');
    put('etc/ssh/sshd_config', 'keep');
    put('var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease');
    put('var/lib/apt/lists/lock', '');
    put('var/log/apt/history.log', 'lots');
    put('var/log/dpkg.log', 'lots');
    put('root/.bash_history', 'secret');
    put('tmp/build-file');
    await cleanRootfs(root);
    assert.equal(readFileSync(join(root, 'etc/machine-id'), 'utf8'), '');
    assert.equal(existsSync(join(root, 'etc/ssh/ssh_host_ed25519_key')), false);
    assert.equal(existsSync(join(root, 'etc/ssh/ssh_host_ed25519_key.pub')), false);
    assert.equal(readFileSync(join(root, 'etc/ssh/sshd_config'), 'utf8'), 'keep');
    assert.equal(existsSync(join(root, 'var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease')), false);
    assert.equal(existsSync(join(root, 'var/lib/apt/lists/lock')), true);
    assert.equal(statSync(join(root, 'var/log/apt/history.log')).size, 0);
    assert.equal(statSync(join(root, 'var/log/dpkg.log')).size, 0);
    assert.equal(existsSync(join(root, 'root/.bash_history')), false);
    assert.equal(existsSync(join(root, 'tmp/build-file')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
