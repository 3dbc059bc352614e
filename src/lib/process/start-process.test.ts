import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcess } from './start-process.ts';
import { waitUntil } from './wait-until.ts';

const node = process.execPath;

test('a missing command is an error naming it', async () => {
  await assert.rejects(startProcess('/nonexistent/slm-copilot-no-such-binary', [], { name: 'helper' }), {
    message: /^could not start helper \(\/nonexistent\/slm-copilot-no-such-binary\): spawn .* ENOENT$/,
  });
});

test('keeps the output, waits for a line, and stops with SIGTERM', async () => {
  const proc = await startProcess(node, ['-e', 'console.log("listening on 1234"); setInterval(() => {}, 1000)'], { name: 'server' });
  await proc.waitForOutput(/listening on (\d+)/);
  assert.equal(proc.running, true);
  assert.deepEqual(await proc.stop(), { code: null, signal: 'SIGTERM' });
  assert.equal(proc.running, false);
  assert.equal(proc.exitSignal.aborted, true);
  assert.equal((proc.exitSignal.reason as Error).message, `server (pid ${proc.pid}) was killed by SIGTERM`);
});

test('a child that ignores SIGTERM is killed after the grace period', async () => {
  const proc = await startProcess(node, ['-e', 'process.on("SIGTERM", () => {}); console.log("armed"); setInterval(() => {}, 1000)']);
  await proc.waitForOutput(/armed/);
  assert.deepEqual(await proc.stop({ graceMs: 100 }), { code: null, signal: 'SIGKILL' });
});

test('waiting on a process that exits gives up at once, with its exit and output', async () => {
  const proc = await startProcess(node, ['-e', 'console.error("bind: address in use"); process.exit(3)'], { name: 'nginx' });
  await assert.rejects(proc.waitForOutput(/start worker process/, 60_000), {
    message: `stopped waiting for nginx to print /start worker process/: nginx (pid ${proc.pid}) exited with code 3; last seen:\nbind: address in use`,
  });
  assert.deepEqual(await proc.exited, { code: 3, signal: null });
  const never = waitUntil('a poll against a dead process', () => false, { timeoutMs: 60_000, signal: proc.exitSignal });
  await assert.rejects(never, /exited with code 3/);
});

test('output can go to a log file, read back for errors', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'start-process-')), 'child.log');
  const proc = await startProcess(node, ['-e', 'console.log("one"); console.error("two")'], { output: { file, mode: 0o600 } });
  assert.deepEqual(await proc.exited, { code: 0, signal: null });
  assert.equal(readFileSync(file, 'utf8'), 'one\ntwo\n');
  assert.equal(proc.output(), 'one\ntwo\n');
});

test('stdout chunks reach onStdout as text', async () => {
  const seen: string[] = [];
  const proc = await startProcess(node, ['-e', 'console.log(JSON.stringify({ msg: "listening" }))'], { onStdout: (t) => seen.push(t) });
  await proc.exited;
  assert.equal(seen.join(''), '{"msg":"listening"}\n');
});
