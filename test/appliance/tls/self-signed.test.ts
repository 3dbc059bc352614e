/**
 * The appliance CA and the server certificate it signs, with the real openssl CLI: extensions, names,
 * idempotence, what is re-issued when (only the server certificate, unless the CA itself is broken or
 * expiring), migration from a pre-CA certificate, file modes, and real TLS handshakes verified by
 * clients that trust only the CA.
 */

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { certificateFingerprint, inspectCertificate } from '../../../src/appliance/tls/certificate-info.ts';
import { ensureSelfSignedCertificate } from '../../../src/appliance/tls/ensure-self-signed-certificate.ts';
import { systemCommandRunner } from '../../../src/lib/command-runner.ts';
import { requestText } from '../../../src/lib/https/request.ts';
import { makePreCaCertificate } from '../../support/legacy-certificate.ts';
import { countingRunner } from './helpers/counting-runner.ts';

let root: string;
let savedUmask: number;
const DAY = 86_400_000;

before(async () => {
  // The one-apps framework runs every stage under umask 0077; modes must not depend on it.
  savedUmask = process.umask(0o077);
  root = await mkdtemp(join(tmpdir(), 'slm-tls-self-'));
});
after(async () => {
  process.umask(savedUmask);
  await rm(root, { recursive: true, force: true });
});

test('first call makes a CA and a server certificate it signs, with every wanted SAN and strict modes', async () => {
  const dir = join(root, 'first', 'tls');
  const runner = countingRunner();
  const result = await ensureSelfSignedCertificate({ dir, hostname: 'copilot.example.org', ips: ['10.0.0.5', '192.168.7.20'], runner });
  assert.equal(result.changed, true);
  assert.equal(result.reason, 'no certificate yet');
  assert.equal(result.ca.changed, true);
  assert.equal(result.ca.reason, 'no appliance CA yet');
  assert.deepEqual(
    runner.calls.map((c) => c.slice(0, 2)),
    [
      ['openssl', 'req'],
      ['openssl', 'req'],
    ],
  );

  const caPem = await readFile(result.ca.certPath);
  const ca = new X509Certificate(caPem);
  assert.equal(ca.ca, true);
  assert.match(ca.subject, /^O=SLM-Copilot\nCN=SLM-Copilot CA copilot\.example\.org [0-9a-f]{8}$/);
  assert.equal(ca.issuer, ca.subject);
  assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.ok(ca.validToDate.getTime() - Date.now() > 3640 * DAY);
  const caText = await opensslText(result.ca.certPath);
  assert.match(caText, /Basic Constraints: critical\n\s+CA:TRUE, pathlen:0\n/);
  assert.match(caText, /Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
  assert.doesNotMatch(caText, /Name Constraints/);
  const caKeyId = /Subject Key Identifier: \n\s+([0-9A-F:]+)\n/.exec(caText)?.[1];
  assert.ok(caKeyId);

  const leafPem = await readFile(result.leafPath);
  const cert = new X509Certificate(leafPem);
  const sans = (cert.subjectAltName ?? '').split(', ').sort();
  assert.deepEqual(sans, [
    'DNS:copilot.example.org',
    'DNS:localhost',
    'IP Address:10.0.0.5',
    'IP Address:127.0.0.1',
    'IP Address:192.168.7.20',
  ]);
  assert.equal(cert.checkHost('copilot.example.org'), 'copilot.example.org');
  assert.equal(cert.checkIP('10.0.0.5'), '10.0.0.5');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']); // extendedKeyUsage serverAuth
  assert.equal(cert.ca, false);
  assert.equal(cert.issuer, ca.subject);
  assert.ok(cert.verify(ca.publicKey));
  const leafText = await opensslText(result.leafPath);
  assert.match(leafText, /Key Usage: critical\n\s+Digital Signature\n/);
  assert.match(leafText, new RegExp(`Authority Key Identifier: \\n\\s+(keyid:)?${caKeyId}\\n`));
  assert.equal(result.fingerprintSha256, cert.fingerprint256);
  assert.equal(result.notAfter.getTime(), cert.validToDate.getTime());
  const days = (result.notAfter.getTime() - Date.now()) / DAY;
  assert.ok(days > 396 && days <= 397, `server certificate valid ${days} days`);

  // nginx serves the server certificate, then the CA.
  assert.equal(await readFile(result.certPath, 'utf8'), `${leafPem}${caPem}`);
  // openssl's strictest checks, as a server certificate for the name, trusting only the CA.
  await systemCommandRunner.run('openssl', [
    'verify',
    '-x509_strict',
    '-purpose',
    'sslserver',
    '-verify_hostname',
    'copilot.example.org',
    '-CAfile',
    result.ca.certPath,
    result.leafPath,
  ]);

  assert.equal((await stat(result.ca.keyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(result.ca.certPath)).mode & 0o777, 0o644);
  assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(result.leafPath)).mode & 0o777, 0o644);
  assert.equal((await stat(result.certPath)).mode & 0o777, 0o644);
  assert.equal((await stat(dir)).mode & 0o777, 0o755);
  assert.deepEqual((await readdir(dir)).sort(), ['ca-key.pem', 'ca.pem', 'cert.pem', 'fullchain.pem', 'key.pem']);

  // openssl's own view of the fingerprints agrees with ours.
  for (const [file, fingerprint] of [
    [result.leafPath, result.fingerprintSha256],
    [result.ca.certPath, result.ca.fingerprintSha256],
  ] as const) {
    const { stdout } = await systemCommandRunner.run('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha256']);
    assert.equal(stdout.trim().split('=')[1], fingerprint);
  }
  assert.equal(certificateFingerprint(caPem), result.ca.fingerprintSha256);
});

test('same inputs → unchanged, same fingerprint, no openssl run; mode drift repaired', async () => {
  const dir = join(root, 'idem');
  const opts = { dir, hostname: '10.1.2.3', ips: ['10.1.2.3'] };
  const first = await ensureSelfSignedCertificate({ ...opts, runner: systemCommandRunner });
  assert.equal(first.changed, true);
  const sans = inspectCertificate(await readFile(first.leafPath)).names;
  assert.deepEqual(sans, { dns: ['localhost'], ips: ['10.1.2.3', '127.0.0.1'], other: [] });

  await chmod(first.keyPath, 0o644);
  const runner = countingRunner();
  const second = await ensureSelfSignedCertificate({ ...opts, ips: ['10.1.2.3'], runner });
  assert.equal(second.changed, false);
  assert.equal(second.reason, undefined);
  assert.equal(second.fingerprintSha256, first.fingerprintSha256);
  assert.equal(runner.calls.length, 0);
  assert.equal((await stat(second.keyPath)).mode & 0o777, 0o600);
});

test('an IPv6 VM address is a SAN and does not cause a regeneration on the next call', async () => {
  // Node prints IPv6 SANs uncompressed and upper case; a naive comparison would regenerate every boot.
  const dir = join(root, 'ipv6');
  const opts = { dir, hostname: 'vm.example', ips: ['2001:db8::5', '10.0.0.5'], runner: systemCommandRunner };
  const first = await ensureSelfSignedCertificate(opts);
  const cert = new X509Certificate(await readFile(first.leafPath));
  assert.match(cert.subjectAltName ?? '', /IP Address:2001:DB8:0:0:0:0:0:5/);
  assert.equal(cert.checkIP('2001:db8::5'), '2001:db8::5');
  const runner = countingRunner();
  const second = await ensureSelfSignedCertificate({ ...opts, ips: ['2001:0DB8:0:0::5', '10.0.0.5'], runner });
  assert.equal(second.changed, false);
  assert.equal(runner.calls.length, 0);
});

test('a new VM IP re-issues only the server certificate, under the same CA, and says which name was added', async () => {
  const dir = join(root, 'newip');
  const first = await ensureSelfSignedCertificate({ dir, hostname: 'vm.example', ips: ['10.0.0.5'], runner: systemCommandRunner });
  const caBefore = await readFile(first.ca.certPath);
  const caKeyBefore = await readFile(first.ca.keyPath);
  const runner = countingRunner();
  const second = await ensureSelfSignedCertificate({ dir, hostname: 'vm.example', ips: ['10.0.0.5', '10.0.0.6'], runner });
  assert.equal(second.changed, true);
  assert.equal(second.reason, 'names changed: added IP:10.0.0.6');
  assert.notEqual(second.fingerprintSha256, first.fingerprintSha256);
  assert.equal(second.ca.changed, false);
  assert.equal(second.ca.fingerprintSha256, first.ca.fingerprintSha256);
  assert.equal(runner.calls.length, 1, 'one openssl run: the server certificate');
  assert.ok(runner.calls[0]?.includes('-CA'));
  assert.deepEqual(await readFile(first.ca.certPath), caBefore);
  assert.deepEqual(await readFile(first.ca.keyPath), caKeyBefore);
  const leaf = new X509Certificate(await readFile(second.leafPath));
  assert.equal(leaf.checkIP('10.0.0.6'), '10.0.0.6');
  assert.ok(leaf.verify(new X509Certificate(caBefore).publicKey));
  // A changed hostname is a name change too: the CA, named after the first hostname, stays.
  const renamed = await ensureSelfSignedCertificate({ dir, hostname: 'new.example', ips: ['10.0.0.5'], runner: systemCommandRunner });
  assert.equal(renamed.changed, true);
  assert.equal(renamed.ca.fingerprintSha256, first.ca.fingerprintSha256);
  assert.match(renamed.ca.subject, /CN=SLM-Copilot CA vm\.example /);
});

test('near expiry (injected clock) regenerates; a month earlier it does not', async () => {
  const dir = join(root, 'expiry');
  const opts = { dir, hostname: 'vm.example', ips: [], runner: systemCommandRunner };
  const first = await ensureSelfSignedCertificate(opts);
  const notAfter = first.notAfter.getTime();
  const early = await ensureSelfSignedCertificate({ ...opts, now: () => new Date(notAfter - 40 * DAY) });
  assert.equal(early.changed, false);
  const late = await ensureSelfSignedCertificate({ ...opts, now: new Date(notAfter - 10 * DAY) });
  assert.equal(late.changed, true);
  assert.match(late.reason ?? '', /within 30 days/);
  assert.notEqual(late.fingerprintSha256, first.fingerprintSha256);
});

test('a corrupt certificate or a foreign key is replaced, under the same CA', async () => {
  const dir = join(root, 'corrupt');
  const opts = { dir, hostname: 'vm.example', ips: [], runner: systemCommandRunner };
  const first = await ensureSelfSignedCertificate(opts);
  const other = await ensureSelfSignedCertificate({ ...opts, dir: join(root, 'other') });
  await writeFile(first.keyPath, await readFile(other.keyPath));
  const mismatch = await ensureSelfSignedCertificate(opts);
  assert.equal(mismatch.changed, true);
  assert.match(mismatch.reason ?? '', /private key/);
  await writeFile(first.leafPath, 'not a certificate');
  const corrupt = await ensureSelfSignedCertificate(opts);
  assert.equal(corrupt.changed, true);
  assert.match(corrupt.reason ?? '', /unreadable/);
  // A server certificate another CA signed (a copied directory) is replaced too.
  await writeFile(first.leafPath, await readFile(other.leafPath));
  await writeFile(first.keyPath, await readFile(other.keyPath));
  const foreign = await ensureSelfSignedCertificate(opts);
  assert.equal(foreign.reason, 'not signed by the appliance CA');
  for (const r of [mismatch, corrupt, foreign]) assert.equal(r.ca.fingerprintSha256, first.ca.fingerprintSha256);
});

test('the CA is replaced only when broken or expiring, and then the server certificate with it', async () => {
  const dir = join(root, 'ca-life');
  const opts = { dir, hostname: 'vm.example', ips: [], runner: systemCommandRunner };
  const first = await ensureSelfSignedCertificate(opts);
  const caEnd = first.ca.notAfter.getTime();
  // Years later the server certificate is renewed a few times, under the same CA.
  const later = await ensureSelfSignedCertificate({ ...opts, now: new Date(caEnd - 400 * DAY) });
  assert.equal(later.changed, true);
  assert.equal(later.ca.changed, false);
  // Its last server certificate ends with the CA, not after it.
  const last = await ensureSelfSignedCertificate({ ...opts, now: new Date(caEnd - 100 * DAY) });
  assert.equal(last.ca.changed, false);
  assert.ok(last.notAfter.getTime() <= caEnd);
  const expiring = await ensureSelfSignedCertificate({ ...opts, now: new Date(caEnd - 10 * DAY) });
  assert.equal(expiring.ca.changed, true);
  assert.match(expiring.ca.reason ?? '', /appliance CA expires on .*, within 30 days/);
  assert.equal(expiring.changed, true);
  assert.equal(expiring.reason, 'not signed by the appliance CA');

  await writeFile(first.ca.keyPath, 'garbage');
  const broken = await ensureSelfSignedCertificate(opts);
  assert.equal(broken.ca.changed, true);
  assert.match(broken.ca.reason ?? '', /private key missing or not matching/);
  assert.notEqual(broken.ca.fingerprintSha256, expiring.ca.fingerprintSha256);
  assert.equal(broken.reason, 'not signed by the appliance CA');
});

test('a certificate from before the appliance CA (self-signed, CA:FALSE) is upgraded on the next call', async () => {
  // What earlier versions left in the state dir: a self-signed leaf, its key, and nothing else.
  const dir = join(root, 'pre-ca');
  await mkdir(dir, { recursive: true });
  await makePreCaCertificate(join(dir, 'cert.pem'), join(dir, 'key.pem'), 'vm.example');
  const old = certificateFingerprint(await readFile(join(dir, 'cert.pem')));
  const upgraded = await ensureSelfSignedCertificate({ dir, hostname: 'vm.example', ips: [], runner: systemCommandRunner });
  assert.equal(upgraded.ca.reason, 'no appliance CA yet');
  assert.equal(upgraded.reason, 'not signed by the appliance CA');
  assert.notEqual(upgraded.fingerprintSha256, old);
  assert.equal(upgraded.leafPath, join(dir, 'cert.pem'));
  const again = await ensureSelfSignedCertificate({ dir, hostname: 'vm.example', ips: [], runner: countingRunner() });
  assert.equal(again.changed, false);
  assert.equal(again.ca.changed, false);
});

test('a TLS server with the chain is verified by clients trusting only the CA, as localhost and 127.0.0.1', async () => {
  const dir = join(root, 'https');
  const result = await ensureSelfSignedCertificate({ dir, hostname: 'copilot.example.org', ips: [], runner: systemCommandRunner });
  const ca = await readFile(result.ca.certPath);
  const server: Server = createServer({ cert: await readFile(result.certPath), key: await readFile(result.keyPath) }, (_req, res) =>
    res.end('ok'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const servername of ['localhost', '127.0.0.1', 'copilot.example.org']) {
      const body = await get(port, servername, ca);
      assert.equal(body, 'ok', servername);
    }
    // curl, as the report's example uses it: --cacert with the CA, by name and by IP.
    for (const url of [`https://copilot.example.org:${port}/`, `https://127.0.0.1:${port}/`, `https://localhost:${port}/`]) {
      const { stdout } = await systemCommandRunner.run('curl', [
        '-sS',
        '--fail',
        '--max-time',
        '10',
        '--cacert',
        result.ca.certPath,
        '--resolve',
        `copilot.example.org:${port}:127.0.0.1`,
        '--resolve',
        `localhost:${port}:127.0.0.1`,
        url,
      ]);
      assert.equal(stdout, 'ok', url);
    }
    // The certificate does not vouch for other names, and another appliance's CA does not vouch for it.
    await assert.rejects(get(port, 'other.example.org', ca), /does not match|altnames/i);
    const stranger = await ensureSelfSignedCertificate({
      dir: join(root, 'stranger'),
      hostname: 'localhost',
      ips: [],
      runner: systemCommandRunner,
    });
    await assert.rejects(get(port, 'localhost', await readFile(stranger.ca.certPath)), /self[- ]signed|unable to (verify|get)/i);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function opensslText(file: string): Promise<string> {
  return (await systemCommandRunner.run('openssl', ['x509', '-in', file, '-noout', '-text'])).stdout;
}

/** GET / over TLS to 127.0.0.1:port, checking the certificate against `name` with only `ca` trusted. */
async function get(port: number, name: string, ca: Buffer): Promise<string> {
  return (await requestText({ url: `https://127.0.0.1:${port}/`, servername: name, ca, timeoutMs: 10_000 })).body;
}
