import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CertificateInfo } from './certificate-info.ts';
import { decideSelfSignedCertificate, type ExistingCertificate } from './self-signed-decision.ts';

const issued = new Date('2026-01-01T00:00:00Z');
const expires = new Date('2028-04-05T00:00:00Z');
const wanted = { dns: ['localhost', 'vm.example.org'], ips: ['10.0.0.5', '127.0.0.1'] };

function present(overrides: Partial<CertificateInfo> = {}, keyMatches = true, issuedByCa = true): ExistingCertificate {
  const info: CertificateInfo = {
    subject: 'CN=vm.example.org',
    issuer: 'CN=vm.example.org',
    names: { dns: [...wanted.dns], ips: [...wanted.ips], other: [] },
    notBefore: issued,
    notAfter: expires,
    fingerprintSha256: 'AA:BB',
    keyType: 'ec/prime256v1',
    selfSigned: true,
    ...overrides,
  };
  return { state: 'present', info, keyMatches, issuedByCa };
}

const decide = (existing: ExistingCertificate, now: Date, renewBeforeDays = 30) =>
  decideSelfSignedCertificate({ existing, wanted, now, renewBeforeDays });

test('a matching, valid certificate is kept', () => {
  assert.deepEqual(decide(present(), new Date('2027-06-01T00:00:00Z')), { regenerate: false });
});

test('missing or unreadable certificates are generated', () => {
  assert.deepEqual(decide({ state: 'missing' }, issued), { regenerate: true, reason: 'no certificate yet' });
  const d = decide({ state: 'unreadable', error: 'bad PEM' }, issued);
  assert.equal(d.regenerate, true);
  assert.match(d.regenerate ? d.reason : '', /unreadable \(bad PEM\)/);
});

test('a key that does not match the certificate forces regeneration', () => {
  const d = decide(present({}, false), new Date('2027-01-01T00:00:00Z'));
  assert.ok(d.regenerate && /private key/.test(d.reason));
});

test('another key type forces regeneration', () => {
  const d = decide(present({ keyType: 'rsa/2048' }), new Date('2027-01-01T00:00:00Z'));
  assert.ok(d.regenerate && /rsa\/2048/.test(d.reason));
});

test('a new IP or a dropped name is reported as a name change', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  const added = decide(present({ names: { dns: wanted.dns, ips: ['127.0.0.1'], other: [] } }), now);
  assert.deepEqual(added, { regenerate: true, reason: 'names changed: added IP:10.0.0.5' });
  const removed = decide(present({ names: { dns: [...wanted.dns, 'old.example.org'], ips: wanted.ips, other: [] } }), now);
  assert.deepEqual(removed, { regenerate: true, reason: 'names changed: removed DNS:old.example.org' });
  const foreign = decide(present({ names: { dns: wanted.dns, ips: wanted.ips, other: ['email:a@b'] } }), now);
  assert.ok(foreign.regenerate && /removed email:a@b/.test(foreign.reason));
});

test('expiry within the renewal window regenerates; just outside it keeps', () => {
  const day = 86_400_000;
  const keep = decide(present(), new Date(expires.getTime() - 31 * day));
  assert.deepEqual(keep, { regenerate: false });
  const renew = decide(present(), new Date(expires.getTime() - 29 * day));
  assert.ok(renew.regenerate && /within 30 days/.test(renew.reason));
  const expired = decide(present(), new Date(expires.getTime() + day));
  assert.ok(expired.regenerate && /^expired on 2028-04-05/.test(expired.reason));
  assert.deepEqual(decide(present(), new Date(expires.getTime() - 29 * day), 7), { regenerate: false });
});

test('a certificate from the future (clock moved back) is regenerated', () => {
  const d = decide(present(), new Date('2025-12-31T00:00:00Z'));
  assert.ok(d.regenerate && /clock changed/.test(d.reason));
  assert.deepEqual(decide(present(), new Date(issued.getTime() - 60_000)), { regenerate: false });
});

test('a certificate the appliance CA did not sign (one from before the CA) is replaced', () => {
  const d = decide(present({}, true, false), new Date('2027-01-01T00:00:00Z'));
  assert.deepEqual(d, { regenerate: true, reason: 'not signed by the appliance CA' });
});
