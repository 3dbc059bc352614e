/**
 * A network namespace with nothing but loopback, for running the appliance and the real client CLIs:
 * both CLIs contact their vendors (telemetry, feature flags, update checks) and must reach nothing but
 * the appliance. A holder process keeps the namespace alive; every command enters it with nsenter.
 *
 * As root (CI) the namespace is a plain `unshare --net`. Unprivileged, it lives in a user namespace
 * (`unshare --user --map-root-user --net`) where the commands see themselves as root.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';

export interface LoopbackNamespace {
  /** The argv that runs `command args…` inside the namespace. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  close(): Promise<void>;
}

export type NamespaceResult = { ok: true; ns: LoopbackNamespace } | { ok: false; reason: string };

/** Brings loopback up, says `ready`, then lives until its stdin closes (also when the test process dies). */
const HOLDER_SCRIPT = 'ip link set lo up && echo ready && exec cat >/dev/null';

export async function createLoopbackNamespace(): Promise<NamespaceResult> {
  const root = process.getuid?.() === 0;
  const unshareArgs = root ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const holder = spawn('unshare', [...unshareArgs, '--', 'sh', '-c', HOLDER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const started = await holderReady(holder);
  if (started !== undefined) return { ok: false, reason: `unshare ${unshareArgs.join(' ')} failed: ${started}` };
  const pid = holder.pid!;
  const enter = root ? ['--net'] : ['--user', '--net', '--preserve-credentials'];
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  return {
    ok: true,
    ns: {
      wrap: (command, args) => ({ command: 'nsenter', args: [`--target=${pid}`, ...enter, '--', command, ...args] }),
      async close() {
        holder.stdin.end();
        await exited;
      },
    },
  };
}

/** Undefined once the holder said `ready`; else why it could not start. */
function holderReady(holder: ChildProcessWithoutNullStreams): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    holder.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) resolve(undefined);
    });
    holder.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    holder.once('error', (e) => resolve(e.message));
    holder.once('exit', (code, signal) => resolve(`${err.trim() || 'no output'} (${signal ?? `exit ${code}`})`));
  });
}

/**
 * The namespace for a test file, or why its tests are skipped. Only an unprivileged run may skip: root
 * can always create one, so there (CI) a failure fails the file.
 */
export async function namespaceOrSkipReason(): Promise<{ ns: LoopbackNamespace; skip: false } | { ns: undefined; skip: string }> {
  const created = await createLoopbackNamespace();
  if (created.ok) return { ns: created.ns, skip: false };
  if (process.getuid?.() === 0) throw new Error(`cannot create a loopback-only network namespace as root: ${created.reason}`);
  const skip = `SKIPPED: real client CLIs need a loopback-only network namespace, and this unprivileged user cannot create one (${created.reason}); run the suite as root, as CI does`;
  process.stderr.write(`\n!!! ${skip}\n\n`);
  return { ns: undefined, skip };
}

export interface CommandOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunInOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the command's stdin, which is then closed. */
  input?: string;
}

/** Runs a command inside the namespace; a non-zero exit is returned, not thrown. */
export function runIn(
  ns: LoopbackNamespace,
  command: string,
  args: readonly string[],
  options: RunInOptions = {},
): Promise<CommandOutcome> {
  const wrapped = ns.wrap(command, args);
  return new Promise((resolve) => {
    const child = execFile(
      wrapped.command,
      wrapped.args,
      { env: options.env ?? process.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr: error !== null && code === null ? `${stderr}${error.message}` : stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** Fails unless the namespace has no interface but `lo`, which is up: nothing else is reachable. */
export async function assertLoopbackOnly(ns: LoopbackNamespace): Promise<void> {
  const links = await runIn(ns, 'ip', ['-o', 'link', 'show']);
  assert.equal(links.code, 0, links.stderr);
  const names = links.stdout
    .trim()
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]);
  assert.deepEqual(names, ['lo'], links.stdout);
  assert.match(links.stdout, /<LOOPBACK,UP,LOWER_UP>/);
}
