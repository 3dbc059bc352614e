import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readGgufFileInfo } from 'node-llama-cpp';

const main = fileURLToPath(new URL('../main.ts', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dev-cli-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('dev make-model writes the model and prints path, size and sha256', async () => {
  const out = join(dir, 'm.gguf');
  const r = cli('dev', 'make-model', 'scripted', '--out', out, '--text', 'Hi there.', '--after-tool', 'Bye.');
  assert.equal(r.status, 0, r.stderr);
  const file = readFileSync(out);
  assert.match(r.stdout, new RegExp(`^path: ${out}$`, 'm'));
  assert.match(r.stdout, new RegExp(`^bytes: ${file.length}$`, 'm'));
  assert.match(r.stdout, new RegExp(`^sha256: ${createHash('sha256').update(file).digest('hex')}$`, 'm'));
  const md = (await readGgufFileInfo(out, { logWarnings: false })).metadata as unknown as Record<
    string,
    Record<string, Record<string, unknown>>
  >;
  assert.equal(md['slm_copilot']!['scripted']!['text'], 'Hi there.');
  assert.equal(md['slm_copilot']!['scripted']!['after_tool_text'], 'Bye.');
});

test('dev make-model rejects bad usage with exit code 2', () => {
  assert.equal(cli('dev', 'make-model', 'huge', '--out', join(dir, 'x.gguf')).status, 2);
  assert.equal(cli('dev', 'make-model', 'tiny').status, 2);
  assert.equal(cli('dev', 'make-model', 'tiny', '--out', join(dir, 'x.gguf'), '--seed', 'abc').status, 2);
  const help = cli('dev', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /make-model <tiny\|scripted\|bench\|agent>/);
});
