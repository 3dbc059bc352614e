import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { TestPki } from '../../../test/appliance/tls/helpers/custom-pki.ts';
import { type CommandRunner, systemCommandRunner } from '../../lib/command-runner.ts';
import { checkCustomCertificate } from './custom-certificate.ts';

const HOST = 'copilot.example.org';

describe('checkCustomCertificate (real openssl)', () => {
  let pki: TestPki;
  let root: ReturnType<TestPki['root']>;
  let inter: ReturnType<TestPki['root']>;
  let leaf: ReturnType<TestPki['root']>;
  before(() => {
    const dir = mkdtempSync(join(tmpdir(), 'slm-custom-cert-test-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    pki = new TestPki(dir);
    root = pki.root();
    inter = pki.intermediate(root);
    leaf = pki.server(inter, `DNS:${HOST},IP:10.0.0.5`);
  });

  const check = (certPem: string, keyPem: string, hostname = HOST, runner: CommandRunner = systemCommandRunner) =>
    checkCustomCertificate({ input: { certPem, keyPem }, hostname, now: new Date(Date.now() + 2000), runner });

  it('accepts leaf + intermediate + private root; serves leaf + intermediate and keeps the root for clients', async () => {
    const r = await check(leaf.cert + inter.cert + root.cert, leaf.key);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
    assert.equal(r.value.chainPem, `${leaf.cert.trim()}\n${inter.cert.trim()}\n`);
    assert.equal(r.value.rootPem?.trim(), root.cert.trim());
    assert.ok(r.value.notAfter > new Date());
    // The VM IP as hostname is checked as an IP SAN.
    assert.ok((await check(leaf.cert + inter.cert + root.cert, leaf.key, '10.0.0.5')).ok);
  });

  it('accepts a chain that the system trust store verifies, without a root in the value', async () => {
    // openssl's default store is the system's; SSL_CERT_FILE points it at our root, as a public CA would be there.
    const trusting: CommandRunner = {
      run: (c, a, o = {}) => systemCommandRunner.run(c, a, { ...o, env: { ...o.env, SSL_CERT_FILE: root.certPath } }),
    };
    const r = await check(leaf.cert + inter.cert, leaf.key, HOST, trusting);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
    assert.equal(r.value.rootPem, undefined);
  });

  it('rejects a key that does not belong to the certificate, naming ONEAPP_COPILOT_TLS_KEY', async () => {
    const other = pki.server(inter, `DNS:${HOST}`);
    const r = await check(leaf.cert + inter.cert + root.cert, other.key);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_TLS_KEY');
      assert.match(r.issues[0]!.message, /does not belong to the server certificate/);
    }
  });

  it('rejects an expired certificate, naming ONEAPP_COPILOT_TLS_CERT and the date', async () => {
    const expired = pki.server(inter, `DNS:${HOST}`, { start: '20200101000000Z', end: '20200201000000Z' });
    const r = await check(expired.cert + inter.cert + root.cert, expired.key);
    assert.equal(r.ok, false);
    if (!r.ok)
      assert.deepEqual(r.issues, [
        { field: 'ONEAPP_COPILOT_TLS_CERT', message: 'the server certificate expired on 2020-02-01T00:00:00.000Z' },
      ]);
  });

  it('rejects a certificate whose SANs do not cover the hostname, listing the names it has', async () => {
    const r = await check(leaf.cert + inter.cert + root.cert, leaf.key, 'other.example.org');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_TLS_CERT');
      assert.match(r.issues[0]!.message, /does not cover other\.example\.org .*DNS:copilot\.example\.org, IP Address:10\.0\.0\.5/);
    }
    const byIp = await check(leaf.cert + inter.cert + root.cert, leaf.key, '10.0.0.6');
    assert.equal(byIp.ok, false);
  });

  it("rejects an incomplete chain (intermediate missing) with openssl verify's reason", async () => {
    const r = await check(leaf.cert + root.cert, leaf.key);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.issues[0]!.field, 'ONEAPP_COPILOT_TLS_CERT');
      assert.match(
        r.issues[0]!.message,
        /does not verify \(openssl verify: error 20 at 0 depth lookup: unable to get local issuer certificate\)/,
      );
    }
    // Without any root and not in the system store: the same clear error.
    assert.equal((await check(leaf.cert + inter.cert, leaf.key)).ok, false);
  });

  it('rejects what is not PEM, an encrypted key, and a corrupt certificate', async () => {
    const notPem = await check('hello', 'world');
    assert.equal(notPem.ok, false);
    if (!notPem.ok)
      assert.deepEqual(
        notPem.issues.map((i) => i.field),
        ['ONEAPP_COPILOT_TLS_CERT', 'ONEAPP_COPILOT_TLS_KEY'],
      );
    const encrypted = await check(leaf.cert, '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n');
    assert.equal(encrypted.ok, false);
    if (!encrypted.ok) assert.match(encrypted.issues[0]!.message, /encrypted/);
    const corrupt = await check('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', leaf.key);
    assert.equal(corrupt.ok, false);
    if (!corrupt.ok) assert.match(corrupt.issues[0]!.message, /certificate #1 is not a valid X\.509 certificate/);
  });
});
