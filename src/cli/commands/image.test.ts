import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { UsageError } from '../../lib/errors.ts';
import { imageCommand } from './image.ts';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await fn(), out };
  } finally {
    process.stdout.write = write;
  }
}

test('image --help lists the subcommands and their options', async () => {
  const { code, out } = await capture(() => imageCommand.run(['--help'], { env: {} }));
  assert.equal(code, 0);
  for (const word of ['build', 'test', 'release', 'marketplace', '--context-deb', '--accel kvm|tcg|auto', '--packages-lock'])
    assert.ok(out.includes(word), word);
});

test('bad invocations fail with a message naming the problem', async () => {
  const run = (...argv: string[]) => imageCommand.run(argv, { env: {} });
  await assert.rejects(run('frobnicate'), (e) => e instanceof UsageError && /^frobnicate: unknown subcommand/.test(e.message));
  await assert.rejects(run('build', '--size', 'big'), (e) => e instanceof UsageError && /^--size: must be an integer/.test(e.message));
  await assert.rejects(run('build'), (e) => e instanceof UsageError && /^--model: a release image needs --model/.test(e.message));
  await assert.rejects(run('marketplace', '--manifest', 'x.yaml'), (e) => e instanceof UsageError && /^--manifest\/--url:/.test(e.message));
  await assert.rejects(
    run('test', '--accel', 'fast'),
    (e) => e instanceof UsageError && /^--accel: must be one of kvm, tcg, auto/.test(e.message),
  );
  await assert.rejects(
    run('test', '--image', 'no-such.qcow2'),
    (e) => e instanceof UsageError && /^--image: no-such\.qcow2 does not exist/.test(e.message),
  );
  // Before any image is built: the device check alone refuses.
  if (!existsSync('/dev/kvm'))
    await assert.rejects(
      run('test', '--accel', 'kvm'),
      (e) =>
        e instanceof Error && /^--accel kvm: KVM is not usable on this machine: \/dev\/kvm does not exist.*--accel tcg\.$/.test(e.message),
    );
});
