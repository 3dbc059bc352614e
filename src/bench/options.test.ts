import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../lib/errors.ts';
import { parseBenchArgs } from './options.ts';

test('parseBenchArgs: defaults, quick defaults, explicit values', () => {
  const full = parseBenchArgs([]);
  assert.notEqual(full, 'help');
  if (full === 'help') return;
  assert.equal(full.contextSize, 4096);
  assert.equal(full.tokens, 128);
  assert.ok(full.threads >= 1);
  const quick = parseBenchArgs(['--quick', '--threads', '2', '--json', '--skip-nginx']);
  if (quick === 'help') return assert.fail('help');
  assert.deepEqual([quick.quick, quick.threads, quick.json, quick.skipNginx, quick.tokens], [true, 2, true, true, 24]);
  assert.equal(parseBenchArgs(['--help']), 'help');
});

test('parseBenchArgs rejects bad numbers and unknown flags', () => {
  assert.throws(() => parseBenchArgs(['--threads', '0']), ConfigError);
  assert.throws(() => parseBenchArgs(['--tokens', 'many']), /--tokens/);
  assert.throws(() => parseBenchArgs(['--prefix-tokens', '5000', '--context-size', '4096']), /--prefix-tokens/);
  assert.throws(() => parseBenchArgs(['--bogus']));
});
