import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from './atomic-write.ts';

test('writes with the given mode, then skips identical content', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aw-'));
  const file = join(dir, 'sub', 'a.conf');
  assert.equal(await writeFileAtomic(file, 'one\n', { mode: 0o640 }), true);
  assert.equal((await stat(file)).mode & 0o777, 0o640);
  assert.equal(await writeFileAtomic(file, 'one\n', { mode: 0o640 }), false);
  assert.equal(await writeFileAtomic(file, 'two\n', { mode: 0o640 }), true);
  assert.equal(await readFile(file, 'utf8'), 'two\n');
  assert.equal(await writeFileAtomic(file, 'two\n', { mode: 0o600 }), true, 'a mode change counts as a change');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.deepEqual(await readdir(join(dir, 'sub')), ['a.conf'], 'no temp files left behind');
});

test('replaces a file written by someone else under a restrictive umask', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aw-'));
  const file = join(dir, 'b');
  await writeFile(file, 'x', { mode: 0o600 });
  await writeFileAtomic(file, 'y', { mode: 0o644 });
  assert.equal((await stat(file)).mode & 0o777, 0o644);
});
