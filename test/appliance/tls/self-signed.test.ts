/**
 * Self-signed certificate with the real openssl CLI: names, idempotence, regeneration triggers,
 * file modes, and a real TLS handshake verified by a client that trusts only this certificate.
 */

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkServerIdentity } from 'node:tls';
import { certificateFingerprint, inspectCertificate } from '../../../src/appliance/tls/certificate-info.ts';
import { ensureSelfSignedCertificate } from '../../../src/appliance/tls/ensure-self-signed-certificate.ts';
import { systemCommandRunner } from '../../../src/lib/command-runner.ts';
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

test('first call generates an ECDSA P-256 certificate with every wanted SAN and strict modes', async () => {
  const dir = join(root, 'first', 'tls');
  const runner = countingRunner();
  const result = await ensureSelfSignedCertificate({ dir, hostname: 'copilot.example.org', ips: ['10.0.0.5', '192.168.7.20'], runner });
  assert.equal(result.changed, true);
  assert.equal(result.reason, 'no certificate yet');
  assert.equal(runner.calls.length, 1);
  assert.equal(runner.calls[0]?.[0], 'openssl');

  const pem = await readFile(result.certPath);
  const cert = new X509Certificate(pem);
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
  assert.equal(result.fingerprintSha256, cert.fingerprint256);
  assert.equal(result.notAfter.getTime(), cert.validToDate.getTime());
  assert.ok(result.notAfter.getTime() - Date.now() > 800 * DAY);

  assert.equal((await stat(result.keyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(result.certPath)).mode & 0o777, 0o644);
  assert.equal((await stat(dir)).mode & 0o777, 0o755);

  // openssl's own view of the fingerprint agrees with ours.
  const { stdout } = await systemCommandRunner.run('openssl', ['x509', '-in', result.certPath, '-noout', '-fingerprint', '-sha256']);
  assert.equal(stdout.trim().split('=')[1], certificateFingerprint(pem));
});

test('same inputs → unchanged, same fingerprint, no openssl run; mode drift repaired', async () => {
  const dir = join(root, 'idem');
  const opts = { dir, hostname: '10.1.2.3', ips: ['10.1.2.3'] };
  const first = await ensureSelfSignedCertificate({ ...opts, runner: systemCommandRunner });
  assert.equal(first.changed, true);
  const sans = inspectCertificate(await readFile(first.certPath)).names;
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
  const cert = new X509Certificate(await readFile(first.certPath));
  assert.match(cert.subjectAltName ?? '', /IP Address:2001:DB8:0:0:0:0:0:5/);
  assert.equal(cert.checkIP('2001:db8::5'), '2001:db8::5');
  const runner = countingRunner();
  const second = await ensureSelfSignedCertificate({ ...opts, ips: ['2001:0DB8:0:0::5', '10.0.0.5'], runner });
  assert.equal(second.changed, false);
  assert.equal(runner.calls.length, 0);
});

test('a new VM IP regenerates and says which name was added', async () => {
  const dir = join(root, 'newip');
  const first = await ensureSelfSignedCertificate({ dir, hostname: 'vm.example', ips: ['10.0.0.5'], runner: systemCommandRunner });
  const second = await ensureSelfSignedCertificate({
    dir,
    hostname: 'vm.example',
    ips: ['10.0.0.5', '10.0.0.6'],
    runner: systemCommandRunner,
  });
  assert.equal(second.changed, true);
  assert.equal(second.reason, 'names changed: added IP:10.0.0.6');
  assert.notEqual(second.fingerprintSha256, first.fingerprintSha256);
  assert.equal(new X509Certificate(await readFile(second.certPath)).checkIP('10.0.0.6'), '10.0.0.6');
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

test('a corrupt certificate or a foreign key is replaced', async () => {
  const dir = join(root, 'corrupt');
  const opts = { dir, hostname: 'vm.example', ips: [], runner: systemCommandRunner };
  const first = await ensureSelfSignedCertificate(opts);
  const other = await ensureSelfSignedCertificate({ ...opts, dir: join(root, 'other') });
  await writeFile(first.keyPath, await readFile(other.keyPath));
  const mismatch = await ensureSelfSignedCertificate(opts);
  assert.equal(mismatch.changed, true);
  assert.match(mismatch.reason ?? '', /private key/);
  await writeFile(first.certPath, 'not a certificate');
  const corrupt = await ensureSelfSignedCertificate(opts);
  assert.equal(corrupt.changed, true);
  assert.match(corrupt.reason ?? '', /unreadable/);
});

test('a TLS server with the certificate is verified by a client trusting only it, as localhost and 127.0.0.1', async () => {
  const dir = join(root, 'https');
  const result = await ensureSelfSignedCertificate({ dir, hostname: 'copilot.example.org', ips: [], runner: systemCommandRunner });
  const cert = await readFile(result.certPath);
  const server: Server = createServer({ cert, key: await readFile(result.keyPath) }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const servername of ['localhost', '127.0.0.1', 'copilot.example.org']) {
      const body = await get(port, servername, cert);
      assert.equal(body, 'ok', servername);
    }
    // curl, as the report's example uses it: --cacert with the name and with the IP.
    for (const url of [`https://copilot.example.org:${port}/`, `https://127.0.0.1:${port}/`, `https://localhost:${port}/`]) {
      const { stdout } = await systemCommandRunner.run('curl', [
        '-sS',
        '--fail',
        '--max-time',
        '10',
        '--cacert',
        result.certPath,
        '--resolve',
        `copilot.example.org:${port}:127.0.0.1`,
        '--resolve',
        `localhost:${port}:127.0.0.1`,
        url,
      ]);
      assert.equal(stdout, 'ok', url);
    }
    // The same certificate does not vouch for other names: verification must really happen.
    await assert.rejects(get(port, 'other.example.org', cert), /does not match|altnames/i);
    const stranger = await ensureSelfSignedCertificate({
      dir: join(root, 'stranger'),
      hostname: 'localhost',
      ips: [],
      runner: systemCommandRunner,
    });
    await assert.rejects(get(port, 'localhost', await readFile(stranger.certPath)), /self[- ]signed|unable to verify/i);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** GET / over TLS to 127.0.0.1:port, checking the certificate against `name` with only `ca` trusted. */
function get(port: number, name: string, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const isIp = /^[\d.]+$/.test(name);
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca,
        agent: false,
        // SNI may not carry an IP; the identity check still runs against `name`.
        ...(isIp ? {} : { servername: name }),
        checkServerIdentity: (_host, peer) => checkServerIdentity(name, peer),
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
