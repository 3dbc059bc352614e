/**
 * The release bundle on its own: built into a temp dir, it must list its commands and serve a
 * streamed completion with no Node on PATH (its own runtime/bin/node, node-llama-cpp external).
 */

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { buildRelease, smokeTestRelease } from '../../src/image/release.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { type StartedProcess, startProcess } from '../../src/lib/process/start-process.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { testModelPath } from '../support/test-models.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

test('release bundle: help and serve run with no Node on PATH', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slm-release-'));
  let serve: StartedProcess | undefined;
  try {
    const release = await buildRelease({ repoRoot, outDir: dir });
    assert.ok(existsSync(join(release.dir, 'runtime/bin/node')));
    assert.ok(existsSync(join(release.dir, 'node_modules/@node-llama-cpp/linux-x64')));
    assert.ok(!existsSync(join(release.dir, 'node_modules/typescript')), 'dev dependencies must not ship');
    assert.ok(!existsSync(join(release.dir, 'node_modules/@node-llama-cpp/linux-x64-cuda')), 'only the CPU prebuilt ships');
    assert.ok(release.packages.some((p) => p.startsWith('node-llama-cpp@')));

    const help = await smokeTestRelease(release.dir, dir);
    for (const cmd of ['serve', 'install', 'configure', 'bootstrap', 'report', 'image']) assert.match(help, new RegExp(`^  ${cmd} `, 'm'));

    const path = join(dir, 'path-without-node');
    mkdirSync(path);
    for (const tool of ['sh', 'dirname', 'readlink']) symlinkSync(`/usr/bin/${tool}`, join(path, tool));
    const model = await testModelPath('tiny');
    const port = await freePort();
    serve = await startProcess(
      join(release.dir, 'bin/slm-copilot'),
      ['serve', '--model', model, '--port', String(port), '--threads', '1', '--context-size', '512'],
      { name: "the release bundle's serve", env: { PATH: path, HOME: dir, SLM_COPILOT_API_KEY: 'sk-release-test-key' } },
    );
    await waitUntil('the release bundle to answer /readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
      timeoutMs: 120_000,
      intervalMs: 500,
      retryErrors: true,
      signal: serve.exitSignal,
      state: serve.output,
    });
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-release-test-key' });
    const stream = await client.chat.completions.create({
      model: 'any',
      stream: true,
      max_tokens: 4,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    let role: string | undefined;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.equal(role, 'assistant');
    assert.equal(typeof usage?.completion_tokens, 'number', 'the usage chunk arrived');
    // The random model may end early; then it says stop, and only a full budget says length.
    assert.equal(finish, usage?.completion_tokens === 4 ? 'length' : 'stop', JSON.stringify(usage));
    assert.deepEqual(await serve.stop({ graceMs: 30_000 }), { code: 0, signal: null }, 'SIGTERM ends serve cleanly');
  } finally {
    await serve?.stop({ signal: 'SIGKILL' });
    rmSync(dir, { recursive: true, force: true });
  }
});
