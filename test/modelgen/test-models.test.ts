import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { after, test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { DEFAULT_SCRIPTED_TEXT, TEST_MODEL_DIR, testModelPath } from '../support/test-models.ts';

/** Models made only for these tests (unique texts); the shared default models stay cached. */
const oneOff: string[] = [];
after(() => {
  for (const path of oneOff) rmSync(path, { force: true });
});

test('testModelPath generates once per kind and options into the shared cache', async () => {
  const text = `cache test ${process.pid} ${Date.now()}`;
  const [a, b] = await Promise.all([testModelPath('scripted', { text }), testModelPath('scripted', { text })]);
  oneOff.push(a);
  assert.equal(a, b);
  assert.equal(dirname(a), TEST_MODEL_DIR);
  assert.match(basename(a), /^scripted-[0-9a-f]{16}\.gguf$/);
  const info = await readGgufFileInfo(a, { logWarnings: false });
  assert.equal(
    (info.metadata as unknown as Record<string, Record<string, Record<string, unknown>>>)['slm_copilot']!['scripted']!['text'],
    text,
  );
  const mtime = statSync(a).mtimeMs;
  assert.equal(await testModelPath('scripted', { text }), a);
  assert.equal(statSync(a).mtimeMs, mtime, 'reused, not rewritten');
  assert.notEqual(await testModelPath('scripted'), a);
  assert.notEqual(await testModelPath('tiny'), await testModelPath('scripted'));
  assert.equal(DEFAULT_SCRIPTED_TEXT, '[TOOL_CALLS]attempt_completion[ARGS]{"result":"done"}');
});

test('concurrent processes generating the same model all get the same complete file', async () => {
  const text = `concurrent ${process.pid} ${Date.now()}`;
  const script = `import { testModelPath } from ${JSON.stringify(new URL('../support/test-models.ts', import.meta.url).href)};
    process.stdout.write(await testModelPath('scripted', { text: ${JSON.stringify(text)} }));`;
  const run = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
    });
  const paths = await Promise.all([run(), run(), run()]);
  assert.equal(new Set(paths).size, 1);
  const path = paths[0]!;
  oneOff.push(path);
  const expected = createHash('sha256').update(readFileSync(path)).digest('hex');
  assert.equal(await testModelPath('scripted', { text }), path);
  assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), expected);
  await readGgufFileInfo(path, { logWarnings: false });
});
