import assert from 'node:assert/strict';
import { test } from 'node:test';
import { imagePackages, includeList, parsePackageLock, renderPackageLock } from './package-set.ts';

test('lock round trip is sorted and stable', () => {
  const lock = parsePackageLock('# header\nzlib1g=1:1.2.13.dfsg-1\n\nbash=5.2.15-2+b7\n');
  assert.equal(renderPackageLock(lock), 'bash=5.2.15-2+b7\nzlib1g=1:1.2.13.dfsg-1\n');
  assert.deepEqual(parsePackageLock(renderPackageLock(lock)), lock);
});

test('malformed lock lines are rejected', () => {
  assert.throws(() => parsePackageLock('bash 5.2\n'), /bash 5\.2/);
  assert.throws(() => parsePackageLock('bash=5.2;rm -rf /\n'), /cannot parse/);
});

test('without a lock the image package names are included; with one every locked version', () => {
  assert.deepEqual(includeList(undefined), [...imagePackages]);
  const lock = new Map<string, string>(imagePackages.map((p) => [p, '1.0']));
  lock.set('libc6', '2.36-9+deb12u10');
  const list = includeList(lock);
  assert.ok(list.includes('libc6=2.36-9+deb12u10'));
  assert.ok(list.includes('nginx=1.0'));
  lock.delete('nginx');
  assert.throws(() => includeList(lock), /nginx/);
});
