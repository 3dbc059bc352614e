/**
 * The README's main command as a new user runs it: `slm-copilot up`, read the printed report, paste
 * the printed curl, then Ctrl-C. Checks that the curl streams a completion and that Ctrl-C stops
 * nginx and the engine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../../src/lib/free-port.ts';
import { startProcess } from '../../src/lib/process/start-process.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { ReportSections } from '../support/report-sections.ts';
import { testModelPath } from '../support/test-models.ts';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

/** Pids whose command line mentions `text` (our children carry the sandbox root in their argv). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

interface UpProcess {
  /** Standard output so far (the report); stderr is only shown when `up` fails to come up. */
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `up` as a child, stops it (SIGINT) and removes `dir` after the test, waits for "Press Ctrl-C". */
async function startUp(t: TestContext, dir: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<UpProcess> {
  let out = '';
  const up = await startProcess(command, args, { name: 'slm-copilot up', env, onStdout: (text) => (out += text) });
  t.after(async () => {
    await up.stop({ signal: 'SIGINT', graceMs: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  await waitUntil('up to print "Press Ctrl-C to stop."', () => out.includes('Press Ctrl-C to stop.'), {
    timeoutMs: 180_000,
    intervalMs: 100,
    signal: up.exitSignal,
    state: up.output,
  });
  return { output: () => out, exited: up.exited.then((e) => e.code), kill: (signal) => up.child.kill(signal) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('slm-copilot up prints a report whose curl streams a completion; Ctrl-C stops everything', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slm-up-cmd-'));
  const weights = await testModelPath('tiny');
  writeFileSync(join(dir, 'tiny.yaml'), `name: tiny-up\ncontext_size: 2048\nparameters:\n  model: ${weights}\n`);
  const port = await freePort();
  const up = await startUp(
    t,
    dir,
    process.execPath,
    [MAIN, 'up', '--root', join(dir, 'root'), '--model', join(dir, 'tiny.yaml'), '--port', String(port)],
    {
      ...process.env,
      ONEAPP_COPILOT_ENGINE_THREADS: '1',
    },
  );
  const out = up.output();
  assert.match(out, /SLM-Copilot is up/);
  assert.match(out, new RegExp(`url = https://localhost:${port}/v1`));

  // The curl block, exactly as printed (indented continuation lines of `curl =`).
  const curl = new ReportSections(out).get('Shell', 'curl').split('\n');
  assert.equal(curl.length, 3, out);
  assert.match(curl[0]!, new RegExp(`^curl -N --cacert \\S+ https://localhost:${port}/v1/chat/completions \\\\$`), out);
  const streamed = await run('sh', ['-c', curl.join('\n')], { timeout: 60_000 });
  assert.match(streamed.stdout, /^data: \{.*"chat\.completion\.chunk"/m);
  assert.match(streamed.stdout, /^data: \[DONE\]$/m);

  // The prefix cache as the engine reported it at bootstrap, and the printed command for live figures.
  const cache = new ReportSections(out);
  assert.equal(cache.get('Prefix cache', 'state'), 'on', out);
  assert.match(cache.get('Prefix cache', 'size'), /^\d+\.\d MiB of a \d+\.\d MiB budget/);
  const live = await run('sh', ['-c', cache.get('Prefix cache', 'live')], { timeout: 30_000 });
  assert.match(live.stdout, /^slm_prefix_cache_entries \d+$/m);
  assert.match(live.stdout, /^slm_prefix_cache_hits_total \d+$/m);

  const nginxPid = Number(readFileSync(join(dir, 'root/run/nginx.pid'), 'utf8'));
  assert.equal(alive(nginxPid), true);
  const second = await run(process.execPath, [MAIN, 'up', '--root', join(dir, 'root')]).catch((e: { code: number; stderr: string }) => e);
  assert.equal((second as { code: number }).code, 1, 'a second up on the same root is refused');
  assert.match((second as { stderr: string }).stderr, /another "slm-copilot up" is serving/);
  up.kill('SIGINT');
  assert.equal(await up.exited, 0);
  assert.equal(alive(nginxPid), false, 'nginx stopped with up');
  assert.deepEqual(processesMentioning(dir), [], 'no engine or nginx process left behind');
  // curl exit 7: could not connect (nothing listens any more).
  await assert.rejects(run('curl', ['-sS', '-k', `https://127.0.0.1:${port}/readyz`]), (e: { code?: number }) => e.code === 7);
});

it('slm-copilot up works as an unprivileged user (high ports, no root)', async (t) => {
  if (process.getuid?.() !== 0) {
    // Already unprivileged: the test above covered it.
    return t.skip('running as non-root already');
  }
  const probe = await run('setpriv', ['--version']).catch(() => undefined);
  if (probe === undefined) return t.skip('setpriv not available');
  const dir = mkdtempSync(join(tmpdir(), 'slm-up-nobody-'));
  chmodSync(dir, 0o755);
  const weights = await testModelPath('tiny');
  writeFileSync(join(dir, 'tiny.yaml'), `name: tiny-up\ncontext_size: 2048\nparameters:\n  model: ${weights}\n`);
  mkdirSync(join(dir, 'root'));
  chownSync(join(dir, 'root'), 65534, 65534);
  const port = await freePort();
  const up = await startUp(
    t,
    dir,
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      MAIN,
      'up',
      '--root',
      join(dir, 'root'),
      '--model',
      join(dir, 'tiny.yaml'),
      '--port',
      String(port),
    ],
    { ...process.env, HOME: join(dir, 'root'), ONEAPP_COPILOT_ENGINE_THREADS: '1' },
  );
  const nginxPid = Number(readFileSync(join(dir, 'root/run/nginx.pid'), 'utf8'));
  assert.equal(readFileSync(`/proc/${nginxPid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1], '65534', 'nginx runs unprivileged');
  const ready = await run('curl', [
    '-sS',
    '--fail',
    '--cacert',
    join(dir, 'root/var/lib/slm-copilot/tls/cert.pem'),
    `https://localhost:${port}/readyz`,
  ]);
  assert.deepEqual(JSON.parse(ready.stdout), { status: 'ready', model: 'tiny-up' });
  up.kill('SIGINT');
  assert.equal(await up.exited, 0);
  assert.deepEqual(processesMentioning(join(dir, 'root')), []);
});
