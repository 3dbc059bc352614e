import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CommandResult, type CommandRunner, type RunOptions, systemCommandRunner } from '../../lib/command-runner.ts';
import { ensureSelfSignedCertificate } from './ensure-self-signed-certificate.ts';
import { type LetsEncryptOptions, obtainLetsEncryptCertificate } from './obtain-lets-encrypt-certificate.ts';
import { LETS_ENCRYPT_DIRECTORY, letsEncryptLineagePaths } from './paths.ts';

interface Call {
  command: string;
  args: readonly string[];
  options: RunOptions | undefined;
}

/** Records each command; `respond` plays certbot (may write files) and returns its result. */
function recorder(respond: (call: Call) => Promise<CommandResult> | CommandResult): CommandRunner & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async run(command, args, options) {
      const call = { command, args, options };
      calls.push(call);
      return respond(call);
    },
  };
}

const DOMAIN = 'copilot.example.org';
const DAY = 86_400_000;
let root: string;
let sampleDir: string; // a real certificate + key for DOMAIN, made by openssl
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slm-le-unit-'));
  sampleDir = join(root, 'sample');
  await ensureSelfSignedCertificate({ dir: sampleDir, hostname: DOMAIN, ips: [], runner: systemCommandRunner });
});
after(() => rm(root, { recursive: true, force: true }));

function fresh(overrides: Partial<LetsEncryptOptions> & Pick<LetsEncryptOptions, 'runner'>): LetsEncryptOptions {
  const base = join(root, `case-${++n}`);
  return {
    domain: DOMAIN,
    webroot: join(base, 'acme'),
    certbotDirs: { config: join(base, 'le'), work: join(base, 'work'), logs: join(base, 'logs') },
    ...overrides,
  };
}

/** Writes a lineage as certbot would leave it. */
async function writeLineage(configDir: string, server: string): Promise<void> {
  const paths = letsEncryptLineagePaths(configDir, DOMAIN);
  await mkdir(join(configDir, 'live', DOMAIN), { recursive: true });
  await mkdir(join(configDir, 'renewal'), { recursive: true });
  await cp(join(sampleDir, 'cert.pem'), paths.certPath);
  await cp(join(sampleDir, 'key.pem'), paths.keyPath);
  await writeFile(paths.renewalConfPath, `version = 2.1.0\n[renewalparams]\nauthenticator = webroot\nserver = ${server}\n`);
}

const ok: CommandResult = { exitCode: 0, stdout: '', stderr: '' };

test('invalid inputs fail fast without running certbot', async () => {
  const runner = recorder(() => ok);
  const cases: [Partial<LetsEncryptOptions>, RegExp][] = [
    [{ domain: '10.0.0.5' }, /IP address/],
    [{ domain: 'localhost' }, /not a public DNS name/],
    [{ domain: 'nodot' }, /not a public DNS name/],
    [{ domain: 'a.example;reboot' }, /not a public DNS name/],
    [{ email: 'x@y.org --server https://evil' }, /not an email/],
    [{ acmeServer: 'http://plain.example/dir' }, /https:\/\//],
    [{ deployHook: 'systemctl reload nginx\nrm -rf /' }, /one line/],
  ];
  for (const [override, expected] of cases) {
    const result = await obtainLetsEncryptCertificate(fresh({ runner, ...override }));
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.reason, expected);
  }
  assert.equal(runner.calls.length, 0);
});

test('runs certbot with webroot, defaults, env and a time bound; the failure reason comes from its output', async () => {
  const runner = recorder(() => ({
    exitCode: 1,
    stdout: `  Domain: ${DOMAIN}\n  Type:   connection\n  Detail: 203.0.113.9: Fetching http://${DOMAIN}/.well-known/acme-challenge/x: Timeout during connect\n`,
    stderr: 'Some challenges have failed.\n',
  }));
  const options = fresh({ runner, caBundle: '/etc/ssl/private-ca.pem', acmeServer: 'https://ca.internal/dir', timeoutMs: 42_000 });
  const result = await obtainLetsEncryptCertificate(options);
  assert.deepEqual(result, {
    ok: false,
    reason: `ACME challenge for ${DOMAIN} failed (connection): 203.0.113.9: Fetching http://${DOMAIN}/.well-known/acme-challenge/x: Timeout during connect - port 80 of this VM must be reachable from the internet`,
  });
  assert.equal(runner.calls.length, 1);
  const call = runner.calls[0]!;
  assert.equal(call.command, 'certbot');
  assert.deepEqual(call.options, { timeoutMs: 42_000, check: false, env: { REQUESTS_CA_BUNDLE: '/etc/ssl/private-ca.pem' } });
  const at = (flag: string) => call.args[call.args.indexOf(flag) + 1];
  assert.equal(call.args[0], 'certonly');
  assert.equal(at('-w'), options.webroot);
  assert.equal(at('-d'), DOMAIN);
  assert.equal(at('--server'), 'https://ca.internal/dir');
  assert.equal(at('--deploy-hook'), 'systemctl reload nginx');
  assert.equal(at('--config-dir'), options.certbotDirs.config);
  assert.ok(call.args.includes('--register-unsafely-without-email'));
  assert.ok(call.args.includes('--keep-until-expiring'));
  // The webroot exists before certbot runs, readable by nginx workers.
  assert.equal((await stat(join(options.webroot, '.well-known', 'acme-challenge'))).mode & 0o777, 0o755);
});

test('success: the lineage certbot wrote is verified and returned', async () => {
  let configDir = '';
  const runner = recorder(async () => {
    await writeLineage(configDir, LETS_ENCRYPT_DIRECTORY);
    return ok;
  });
  const options = fresh({ runner, email: 'ops@example.org', deployHook: null });
  configDir = options.certbotDirs.config;
  const result = await obtainLetsEncryptCertificate(options);
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.equal(result.issued, true);
  assert.equal(result.certPath, join(configDir, 'live', DOMAIN, 'fullchain.pem'));
  const sample = await ensureSelfSignedCertificate({ dir: sampleDir, hostname: DOMAIN, ips: [], runner: systemCommandRunner });
  assert.equal(result.fingerprintSha256, sample.fingerprintSha256);
  assert.ok(runner.calls[0]?.args.includes('--no-eff-email'));
  assert.ok(!runner.calls[0]?.args.includes('--deploy-hook'));
});

test('a valid lineage from the same server is reused without running certbot', async () => {
  const runner = recorder(() => ok);
  const options = fresh({ runner });
  await writeLineage(options.certbotDirs.config, LETS_ENCRYPT_DIRECTORY);
  const result = await obtainLetsEncryptCertificate(options);
  assert.equal(result.ok && !result.issued, true);
  assert.equal(runner.calls.length, 0);
});

test('a lineage due for renewal runs certbot (keep-until-expiring); one from another server forces renewal', async () => {
  const dueRunner = recorder(() => ok);
  const due = fresh({ runner: dueRunner });
  await writeLineage(due.certbotDirs.config, LETS_ENCRYPT_DIRECTORY);
  const notAfter = (await ensureSelfSignedCertificate({ dir: sampleDir, hostname: DOMAIN, ips: [], runner: systemCommandRunner })).notAfter;
  const result = await obtainLetsEncryptCertificate({ ...due, now: () => new Date(notAfter.getTime() - 10 * DAY) });
  assert.equal(result.ok, true); // certbot "renewed" (the recorder left the files): still valid, so served
  assert.ok(dueRunner.calls[0]?.args.includes('--keep-until-expiring'));

  const otherRunner = recorder(() => ok);
  const other = fresh({ runner: otherRunner });
  await writeLineage(other.certbotDirs.config, 'https://acme-staging-v02.api.letsencrypt.org/directory');
  await obtainLetsEncryptCertificate(other);
  assert.ok(otherRunner.calls[0]?.args.includes('--force-renewal'));
});

test('certbot success without a usable certificate, a runner error, or a missing certbot → ok:false', async () => {
  const none = await obtainLetsEncryptCertificate(fresh({ runner: recorder(() => ok) }));
  assert.deepEqual(none, { ok: false, reason: 'certbot succeeded but the certificate is not usable: no certificate was written' });
  const thrown = await obtainLetsEncryptCertificate(fresh({ runner: recorder(() => Promise.reject(new Error('boom\nmore'))) }));
  assert.deepEqual(thrown, { ok: false, reason: 'certbot could not run: boom' });
  const missing = await obtainLetsEncryptCertificate(
    fresh({ runner: recorder(() => ({ exitCode: -1, stdout: '', stderr: 'spawn certbot ENOENT' })) }),
  );
  assert.deepEqual(missing, { ok: false, reason: 'certbot is not installed (apt-get install certbot)' });
});

test('with httpPort, a loopback probe checks the webroot is served before certbot runs', async () => {
  // A stand-in for nginx: serves files under the webroot, but only for the right Host.
  let webroot = '';
  const server = createServer(async (req, res) => {
    const body = req.headers.host === DOMAIN ? await readFile(join(webroot, req.url ?? '/')).catch(() => undefined) : undefined;
    res.statusCode = body === undefined ? 404 : 200;
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const served = recorder(() => ({
      exitCode: 1,
      stdout: '',
      stderr: 'An unexpected error occurred:\nValueError: x: Connection refused\n',
    }));
    const good = fresh({ runner: served, httpPort: port });
    webroot = good.webroot;
    const r1 = await obtainLetsEncryptCertificate(good);
    assert.equal(served.calls.length, 1, 'probe passed, certbot ran');
    assert.match(r1.ok ? '' : r1.reason, /connection refused/);

    const unserved = recorder(() => ok);
    const bad = fresh({ runner: unserved, httpPort: port }); // nginx serves another directory
    const r2 = await obtainLetsEncryptCertificate(bad);
    assert.equal(unserved.calls.length, 0);
    assert.match(r2.ok ? '' : r2.reason, /does not serve the ACME webroot .*HTTP 404/);
  } finally {
    server.close();
  }
  const closed = recorder(() => ok);
  const r3 = await obtainLetsEncryptCertificate(fresh({ runner: closed, httpPort: port }));
  assert.equal(closed.calls.length, 0);
  assert.match(r3.ok ? '' : r3.reason, /ECONNREFUSED/);
});
