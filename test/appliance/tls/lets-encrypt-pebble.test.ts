/**
 * The ACME path for real: Debian's certbot against Debian's pebble on loopback, the HTTP-01 challenge
 * served by a real nginx from the webroot, the domain resolved by a DNS responder we run. Covers
 * issuance, reuse, a server switch, and the failures the appliance must turn into a fallback reason.
 */

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { access, chmod, chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureAcmeWebroot } from '../../../src/appliance/tls/acme-webroot.ts';
import { type LetsEncryptOptions, obtainLetsEncryptCertificate } from '../../../src/appliance/tls/obtain-lets-encrypt-certificate.ts';
import { letsEncryptLineagePaths } from '../../../src/appliance/tls/paths.ts';
import { type CommandRunner, systemCommandRunner } from '../../../src/lib/command-runner.ts';
import { freePort } from '../../../src/lib/free-port.ts';
import type { StartedProcess } from '../../../src/lib/process/start-process.ts';
import { countingRunner } from './helpers/counting-runner.ts';
import { type DnsResponder, startDnsResponder } from './helpers/dns-responder.ts';
import { type AcmeNginx, startAcmeNginx } from './helpers/nginx.ts';
import { type Pebble, startPebble } from './helpers/pebble.ts';

const DOMAIN = 'copilot.slm-copilot.test';
const UNSERVED = 'unserved.slm-copilot.test';
const UNREACHABLE = 'unreachable.slm-copilot.test';
// Bounds each certbot run: pebble answers in seconds; this only stops a hang from stalling the suite.
const TIMEOUT_MS = 90_000;

let root: string;
let webroot: string;
let dns: DnsResponder;
let nginx: AcmeNginx;
let pebble: Pebble;
const processes: StartedProcess[] = [];

function options(overrides: Partial<LetsEncryptOptions> = {}): LetsEncryptOptions {
  return {
    domain: DOMAIN,
    webroot,
    certbotDirs: { config: join(root, 'le', 'config'), work: join(root, 'le', 'work'), logs: join(root, 'le', 'logs') },
    acmeServer: pebble.directoryUrl,
    caBundle: pebble.apiCaPath,
    deployHook: `touch ${join(root, 'deployed')}`,
    runner: systemCommandRunner,
    timeoutMs: TIMEOUT_MS,
    ...overrides,
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'slm-le-pebble-'));
  await chmod(root, 0o755); // nginx workers (nobody when started as root) traverse it
  webroot = join(root, 'acme');
  // 127.0.0.2 is loopback too, but nginx listens on 127.0.0.1 only: the CA's connection is refused.
  dns = await startDnsResponder({ [UNREACHABLE]: '127.0.0.2' });
  nginx = await startAcmeNginx({ dir: join(root, 'nginx'), webroot });
  processes.push(nginx.process);
  pebble = await startPebble({ dir: join(root, 'pebble'), httpPort: nginx.port, dnsPort: dns.port });
  processes.push(pebble.process);
});

after(async () => {
  for (const p of processes.reverse()) await p.stop();
  await dns?.close();
  await rm(root, { recursive: true, force: true });
});

test('issues a certificate from pebble, validated through nginx serving the webroot', async (t) => {
  const result = await obtainLetsEncryptCertificate(options({ email: 'ops@example.org', httpPort: nginx.port }));
  if (!result.ok) {
    t.diagnostic(pebble.process.output().slice(-3000));
    assert.fail(result.reason);
  }
  assert.equal(result.issued, true);
  assert.equal(result.certPath, letsEncryptLineagePaths(join(root, 'le', 'config'), DOMAIN).certPath);

  const chainPem = await readFile(result.certPath, 'utf8');
  const [leafPem, ...rest] = chainPem.split(/(?<=-----END CERTIFICATE-----)\s*/).filter((p) => p.includes('BEGIN'));
  const leaf = new X509Certificate(leafPem ?? '');
  assert.equal(result.fingerprintSha256, leaf.fingerprint256);
  assert.equal(leaf.subjectAltName, `DNS:${DOMAIN}`);
  assert.equal(leaf.checkHost(DOMAIN), DOMAIN);
  assert.equal(leaf.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');

  // The chain ends at pebble's root, fetched from its management interface.
  const intermediate = new X509Certificate(await pebble.management('/intermediates/0'));
  const rootCert = new X509Certificate(await pebble.management('/roots/0'));
  assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey), 'leaf signed by pebble intermediate');
  assert.ok(intermediate.checkIssued(rootCert) && intermediate.verify(rootCert.publicKey), 'intermediate signed by pebble root');
  assert.equal(new X509Certificate(rest[0] ?? '').fingerprint256, intermediate.fingerprint256, 'fullchain carries the intermediate');
  const rootPath = join(root, 'pebble-root.pem');
  await writeFile(rootPath, rootCert.toString());
  const verify = await systemCommandRunner.run('openssl', [
    'verify',
    '-CAfile',
    rootPath,
    '-untrusted',
    result.certPath,
    '-purpose',
    'sslserver',
    '-verify_hostname',
    DOMAIN,
    result.certPath,
  ]);
  assert.match(verify.stdout, /: OK/);

  // The private key is certbot's, unreadable to others; the deploy hook ran.
  assert.equal((await stat(result.keyPath)).mode & 0o077, 0);
  await access(join(root, 'deployed'));
  // pebble resolved the name through our DNS and fetched the token from nginx.
  assert.ok(dns.queries.includes(`${DOMAIN}/A`), dns.queries.join(' '));
  const log = await readFile(nginx.accessLogPath, 'utf8');
  assert.match(log, /"GET \/\.well-known\/acme-challenge\/(?!slm-copilot-probe-)[\w-]+ HTTP\/1\.1" 200 .*Pebble/);
});

test('a valid lineage is reused without running certbot', async () => {
  const first = await obtainLetsEncryptCertificate(options());
  const runner = countingRunner();
  const again = await obtainLetsEncryptCertificate(options({ runner }));
  assert.equal(again.ok, true);
  assert.equal(runner.calls.length, 0);
  assert.equal(again.ok && !again.issued, true);
  assert.equal(again.ok && again.fingerprintSha256, first.ok && first.fingerprintSha256);
});

test('switching ACME server re-issues (forced renewal) and records the new server', async () => {
  const before = await obtainLetsEncryptCertificate(options());
  assert.ok(before.ok);
  const otherUrl = pebble.directoryUrl.replace('127.0.0.1', 'localhost'); // same CA, another directory URL
  const runner = countingRunner();
  const switched = await obtainLetsEncryptCertificate(options({ acmeServer: otherUrl, runner }));
  if (!switched.ok) assert.fail(switched.reason);
  assert.ok(runner.calls[0]?.includes('--force-renewal'));
  assert.equal(switched.issued, true);
  assert.notEqual(switched.fingerprintSha256, before.fingerprintSha256);
  const conf = await readFile(letsEncryptLineagePaths(join(root, 'le', 'config'), DOMAIN).renewalConfPath, 'utf8');
  assert.match(conf, new RegExp(`^server = ${otherUrl.replace(/[.]/g, '\\.')}$`, 'm'));
});

test('fallback: the CA gets 404 because nginx serves another directory → ok:false with the reason', async (t) => {
  const elsewhere = join(root, 'not-served');
  await mkdir(elsewhere, { recursive: true });
  const result = await obtainLetsEncryptCertificate(options({ domain: UNSERVED, webroot: elsewhere }));
  assert.equal(result.ok, false);
  const reason = result.ok ? '' : result.reason;
  t.diagnostic(reason);
  assert.match(reason, new RegExp(`ACME challenge for ${UNSERVED.replace(/\./g, '\\.')} failed \\(unauthorized\\)`));
  assert.match(reason, /acme-challenge\/.* returned 404/);
  await assert.rejects(access(letsEncryptLineagePaths(join(root, 'le', 'config'), UNSERVED).certPath));
});

test('fallback: with httpPort the webroot probe catches the same mistake before any CA request', async () => {
  const elsewhere = join(root, 'not-served-2');
  const runner = countingRunner();
  const result = await obtainLetsEncryptCertificate(options({ domain: UNSERVED, webroot: elsewhere, httpPort: nginx.port, runner }));
  assert.equal(runner.calls.length, 0);
  assert.match(result.ok ? '' : result.reason, /nginx does not serve the ACME webroot .* answered HTTP 404/);
});

test('fallback: challenge address unreachable (connection refused) → ok:false naming the connection', async (t) => {
  const result = await obtainLetsEncryptCertificate(options({ domain: UNREACHABLE }));
  t.diagnostic(result.ok ? 'ok' : result.reason);
  assert.equal(result.ok, false);
  assert.match(
    result.ok ? '' : result.reason,
    new RegExp(`ACME challenge for ${UNREACHABLE.replace(/\./g, '\\.')} failed \\(connection\\).*127\\.0\\.0\\.2`),
  );
});

test('fallback: ACME server down or not trusted → ok:false naming the server problem', async (t) => {
  const closed = await freePort();
  const down = await obtainLetsEncryptCertificate(options({ domain: UNSERVED, acmeServer: `https://127.0.0.1:${closed}/dir` }));
  assert.deepEqual(down, { ok: false, reason: `cannot reach the ACME server https://127.0.0.1:${closed}/dir: connection refused` });
  const { caBundle: _, ...untrusting } = options({ domain: UNSERVED });
  const untrusted = await obtainLetsEncryptCertificate(untrusting);
  t.diagnostic(untrusted.ok ? 'ok' : untrusted.reason);
  assert.match(untrusted.ok ? '' : untrusted.reason, /cannot verify the TLS certificate of the ACME server .*self[- ]signed/);
});

test('certbot runs unprivileged with its own dirs, as in the local stack sandbox', {
  skip: process.getuid?.() !== 0 && 'not root: every other test here already ran certbot unprivileged',
}, async () => {
  const NOBODY = 65534;
  const sandbox = join(root, 'unprivileged');
  await mkdir(sandbox, { recursive: true });
  await chown(sandbox, NOBODY, NOBODY);
  const challengeDir = await ensureAcmeWebroot(webroot);
  await chown(challengeDir, NOBODY, NOBODY); // certbot writes tokens here as nobody
  const asNobody: CommandRunner = {
    run: (command, args, runOptions = {}) =>
      systemCommandRunner.run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', '--', command, ...args], {
        ...runOptions,
        env: { ...runOptions.env, HOME: sandbox },
      }),
  };
  try {
    const result = await obtainLetsEncryptCertificate(
      options({
        domain: 'sandbox.slm-copilot.test',
        certbotDirs: { config: join(sandbox, 'config'), work: join(sandbox, 'work'), logs: join(sandbox, 'logs') },
        deployHook: null,
        runner: asNobody,
      }),
    );
    if (!result.ok) assert.fail(result.reason);
    assert.equal((await stat(result.keyPath)).uid, NOBODY);
    assert.equal(new X509Certificate(await readFile(result.certPath)).checkHost('sandbox.slm-copilot.test'), 'sandbox.slm-copilot.test');
  } finally {
    await chown(challengeDir, 0, 0);
  }
});
