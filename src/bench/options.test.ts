import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../lib/errors.ts';
import { parseOptions } from '../lib/options.ts';
import { defaultThreadCount } from '../lib/usable-cpus.ts';
import { benchOptions, resolveBenchOptions } from './options.ts';

const parseBenchArgs = (argv: string[]) => resolveBenchOptions(parseOptions(benchOptions, argv));

test('bench options: defaults, quick defaults, explicit values', () => {
  const full = parseBenchArgs([]);
  assert.equal(full.contextSize, 4096);
  assert.equal(full.tokens, 128);
  assert.equal(full.threads, defaultThreadCount());
  const quick = parseBenchArgs(['--quick', '--threads', '2', '--json', '--skip-nginx']);
  assert.deepEqual([quick.quick, quick.threads, quick.json, quick.skipNginx, quick.tokens], [true, 2, true, true, 24]);
});

test('bench options reject bad numbers and unknown flags', () => {
  assert.throws(() => parseBenchArgs(['--threads', '0']), UsageError);
  assert.throws(() => parseBenchArgs(['--tokens', 'many']), /--tokens: must be an integer from 2 to 4096 \(got "many"\)/);
  assert.throws(() => parseBenchArgs(['--prefix-tokens', '5000', '--context-size', '4096']), /--prefix-tokens/);
  assert.throws(() => parseBenchArgs(['--bogus']), /--bogus: unknown option/);
});
