/**
 * Every command as a user runs it (`node src/cli/main.ts …` in a child process): a bad command line
 * exits with 2 and names the option and what it accepts; a failure at run time prints its own message
 * (never a generic one) and exits with 1. Also: `help` and every `--help` never load llama.cpp.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; nodeArgs?: string[] } = {}): Run {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLM_COPILOT_DEBUG: '', ...options.env },
    timeout: 120_000,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, and the first stderr line is exactly `slm-copilot <command>: <message>`. */
function assertUsage(args: string[], firstLine: string): void {
  const r = cli(args);
  assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr.split('\n')[0], firstLine);
}

/** A run-time failure: exit 1, and a stderr line (after any progress lines) starts with the failure's own message. */
function assertFails(r: Run, prefix: string): void {
  assert.equal(r.status, 1, r.stderr);
  assert.ok(`\n${r.stderr}`.includes(`\n${prefix}`), `expected a stderr line starting with ${JSON.stringify(prefix)}, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/);
}

describe('usage errors exit 2 and name the option', () => {
  test('top level: unknown command, no command', () => {
    assertUsage(
      ['frobnicate'],
      'slm-copilot: frobnicate: unknown command (known: serve, bench, dev, up, install, configure, bootstrap, status, report, scale-out, image, help)',
    );
    const none = cli([]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^Usage: slm-copilot <command> \[options\]\n\nCommands:\n {2}serve /);
  });

  test('serve', () => {
    assertUsage(['serve', '--port', 'eighty'], 'slm-copilot serve: --port: must be an integer from 0 to 65535 (got "eighty")');
    assertUsage(['serve', '--log-level', 'loud'], 'slm-copilot serve: --log-level: must be one of debug, info, warn, error (got "loud")');
    assertUsage(
      ['serve', '--model', 'a.gguf', '--config', 'b.yaml'],
      'slm-copilot serve: --model: give either --model or --config, not both',
    );
  });

  test('bench', () => {
    assertUsage(['bench', '--threads', '0'], 'slm-copilot bench: --threads: must be an integer from 1 to 256 (got "0")');
  });

  test('dev', () => {
    assertUsage(
      ['dev', 'make-model', 'huge', '--out', 'x.gguf'],
      'slm-copilot dev: <kind>: must be one of tiny, scripted, bench, agent (got "huge")',
    );
    assertUsage(['dev', 'make-model', 'tiny'], 'slm-copilot dev: --out: is required (FILE)');
    assertUsage(['dev'], 'slm-copilot dev: <subcommand>: is required (make-model)');
  });

  test('up', () => {
    assertUsage(['up', '--port', '70000'], 'slm-copilot up: --port: must be an integer from 1 to 65535 (got "70000")');
    assertUsage(
      ['up', '--root', '/tmp/with space'],
      'slm-copilot up: --root: root directory "/tmp/with space" has characters that cannot be used in nginx/systemd paths (allowed: A-Z a-z 0-9 . _ / + -) (got "/tmp/with space")',
    );
  });

  test('install, configure, bootstrap (never reach the system: the command line is checked first)', () => {
    assertUsage(['install', '--force'], 'slm-copilot install: --force: unknown option (known: --help)');
    assertUsage(
      ['configure', '--root', 'X'],
      'slm-copilot configure: --root: unknown option (known: --acme-server, --acme-ca-bundle, --help)',
    );
    assertUsage(
      ['bootstrap', '--ready-timeout', 'soon'],
      'slm-copilot bootstrap: --ready-timeout: must be an integer from 1 to 86400 (got "soon")',
    );
  });

  test('status, report', () => {
    assertUsage(['status', 'now'], 'slm-copilot status: now: unexpected argument (this command takes options only)');
    assertUsage(['report', '--root'], 'slm-copilot report: --root: needs a value: --root DIR');
  });

  test('image', () => {
    assertUsage(['image'], 'slm-copilot image: <subcommand>: is required (build|test|release|marketplace)');
    assertUsage(['image', 'frobnicate'], 'slm-copilot image: frobnicate: unknown subcommand (known: build, test, release, marketplace)');
    assertUsage(['image', 'build', '--size', 'big'], 'slm-copilot image: --size: must be an integer from 2 to 2048 (got "big")');
    const weights = join(dir, 'pinned.gguf');
    writeFileSync(weights, 'not really weights');
    assertUsage(
      ['image', 'build', '--model', weights],
      "slm-copilot image: --model-sha256: a release image pins its weights: give the GGUF's sha256 (sha256sum FILE) from the build inputs",
    );
    // Checked before anything is built (and before the root check): a wrong file never reaches the image.
    assertFails(
      cli(['image', 'build', '--model', weights, '--model-sha256', 'f'.repeat(64)]),
      `slm-copilot image: --model-sha256: ${weights} has sha256 ${createHash('sha256').update('not really weights').digest('hex')}, the build pins ${'f'.repeat(64)}: wrong or corrupted`,
    );
    assertUsage(['image', 'test', '--accel', 'fast'], 'slm-copilot image: --accel: must be one of kvm, tcg, auto (got "fast")');
  });
});

describe('run-time failures print their own message and exit 1', () => {
  test('serve: the port is taken', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      // The engine only loads the model after listening, so a missing file is never reached.
      const r = cli([
        'serve',
        '--model',
        join(dir, 'never-loaded.gguf'),
        '--context-size',
        '4096',
        '--port',
        String(port),
        '--threads',
        '1',
      ]);
      assertFails(r, `slm-copilot serve: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`);
    } finally {
      server.close();
    }
  });

  // A regular file where a directory must be: mkdir fails at once with ENOTDIR.
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, '');

  test('bench and dev: the model cannot be written', () => {
    const r = cli(['bench', '--quick', '--skip-nginx'], { env: { XDG_CACHE_HOME: blocker } });
    assertFails(r, `slm-copilot bench: ENOTDIR: not a directory, mkdir '${blocker}/slm-copilot/models'`);
    assertFails(
      cli(['dev', 'make-model', 'tiny', '--out', `${blocker}/m.gguf`]),
      `slm-copilot dev: EEXIST: file already exists, mkdir '${blocker}'`,
    );
  });

  test('SLM_COPILOT_DEBUG=1 adds the stack', () => {
    const r = cli(['dev', 'make-model', 'tiny', '--out', `${blocker}/m.gguf`], { env: { SLM_COPILOT_DEBUG: '1' } });
    assertFails(r, `slm-copilot dev: EEXIST: file already exists, mkdir '${blocker}'\nError: EEXIST`);
    assert.match(r.stderr, /\n {4}at .*make-model\.ts:\d+/);
  });

  test('up: the sandbox root is a file', () => {
    assertFails(cli(['up', '--root', blocker]), `slm-copilot up: EEXIST: file already exists, mkdir '${blocker}'`);
  });

  test('status: the status file is unreadable', () => {
    const root = join(dir, 'status-root');
    mkdirSync(join(root, 'etc/one-appliance/status'), { recursive: true });
    assertFails(cli(['status', '--root', root]), 'slm-copilot status: EISDIR: illegal operation on a directory, read\n');
  });

  test('report: the report is root-only → use sudo', () => {
    const root = join(dir, 'report-root');
    mkdirSync(join(root, 'etc/one-appliance'), { recursive: true });
    chmodSync(dir, 0o755);
    writeFileSync(join(root, 'etc/one-appliance/config'), 'sk-secret\n', { mode: 0o600 });
    // As root the file is readable anyway: read it as nobody.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534 } : {};
    const r = cli(['report', '--root', root], asNobody);
    assertFails(
      r,
      `slm-copilot report: ${join(root, 'etc/one-appliance/config')} is readable by root only (it holds the API key): use sudo\n`,
    );
  });

  test('image: the manifest does not exist', () => {
    const r = cli([
      'image',
      'marketplace',
      '--manifest',
      join(dir, 'missing.yaml'),
      '--url',
      'https://example.invalid/x.qcow2',
      '--yaml',
      join(dir, 'm.yaml'),
    ]);
    assertFails(r, `slm-copilot image: ENOENT: no such file or directory, open '${join(dir, 'missing.yaml')}'\n`);
  });
});

describe('help stays cheap', () => {
  // Fails any attempt to resolve node-llama-cpp (or its prebuilt) in the process it is preloaded into.
  const hook = join(dir, 'no-llama.mjs');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
registerHooks({ resolve(specifier, context, next) {
  if (/^(@node-llama-cpp\\/|node-llama-cpp($|\\/))/.test(specifier)) throw new Error('loaded ' + specifier);
  return next(specifier, context);
} });
`,
  );

  test('the guard catches a load of node-llama-cpp', () => {
    const r = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', "await import('node-llama-cpp')"], {
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /loaded node-llama-cpp/);
  });

  test('help and every command --help never load node-llama-cpp', () => {
    const list = cli(['help'], { nodeArgs: ['--import', hook] });
    assert.equal(list.status, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /unavailable/);
    for (const command of ['serve', 'bench', 'dev', 'up', 'install', 'configure', 'bootstrap', 'status', 'report', 'scale-out', 'image']) {
      const r = cli([command, '--help'], { nodeArgs: ['--import', hook] });
      assert.equal(r.status, 0, `${command}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: slm-copilot ${command}[ <]`), command);
      const group = command === 'dev' || command === 'image';
      assert.ok(
        r.stdout.includes(group ? `\`slm-copilot ${command} <subcommand> --help\` shows one subcommand.` : '  -h, --help '),
        command,
      );
    }
  });
});
