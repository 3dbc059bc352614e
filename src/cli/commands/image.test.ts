import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
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
  const { code, out } = await capture(() => imageCommand.run(['--help']));
  assert.equal(code, 0);
  for (const word of ['build', 'test', 'release', 'marketplace', '--context-deb', '--accel kvm|tcg|auto', '--packages-lock'])
    assert.ok(out.includes(word), word);
});

test('bad invocations fail with a message naming the problem', async () => {
  assert.equal(await imageCommand.run(['frobnicate']), 2);
  await assert.rejects(imageCommand.run(['build', '--size', 'big']), /--size/);
  await assert.rejects(imageCommand.run(['build']), /--model|root/);
  await assert.rejects(imageCommand.run(['marketplace', '--manifest', 'x.yaml']), /--manifest\/--url/);
  await assert.rejects(imageCommand.run(['test', '--accel', 'fast']), /--accel/);
  if (!existsSync('/dev/kvm')) await assert.rejects(imageCommand.run(['test', '--accel', 'kvm', '--image', 'x.qcow2']), /\/dev\/kvm/);
});
