/** The one-apps service entry, run for real: stages hold one flock, so a second stage waits for the first. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { renderServiceEntry } from '../../src/appliance/render/service-hooks.ts';

const run = (file: string, args: string[]) =>
  new Promise<number>((resolve) => execFile('sh', [file, ...args], { timeout: 30_000 }, (e) => resolve(e === null ? 0 : 1)));

it('configure and bootstrap started together run one after the other (flock), status does not wait', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slm-service-entry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'log');
  const cli = join(dir, 'cli');
  writeFileSync(cli, `#!/bin/sh\necho "start $1" >> ${log}\n[ "$1" = status ] || sleep 1\necho "end $1" >> ${log}\n`, { mode: 0o755 });
  const entry = join(dir, 'service');
  writeFileSync(entry, renderServiceEntry(cli, join(dir, 'lock')), { mode: 0o755 });
  const first = run(entry, ['configure']);
  await new Promise((r) => setTimeout(r, 200));
  const second = run(entry, ['bootstrap']);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await run(entry, ['status']), 0);
  assert.deepEqual(await Promise.all([first, second]), [0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // status ran while configure held the lock; bootstrap started only after configure ended.
  assert.deepEqual(lines, ['start configure', 'start status', 'end status', 'end configure', 'start bootstrap', 'end bootstrap']);
  assert.equal(await run(entry, ['bogus']), 1);
});
