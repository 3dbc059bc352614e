import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideApplianceCa, type ExistingCa } from './ca-decision.ts';
import type { CertificateInfo } from './certificate-info.ts';

const made = new Date('2026-01-01T00:00:00Z');
const ends = new Date('2035-12-30T00:00:00Z');
const DAY = 86_400_000;

function ca(overrides: Partial<CertificateInfo> = {}, flags: { isCa?: boolean; keyMatches?: boolean } = {}): ExistingCa {
  const info: CertificateInfo = {
    subject: 'O=SLM-Copilot\nCN=SLM-Copilot CA vm.example 0a1b2c3d',
    issuer: 'O=SLM-Copilot\nCN=SLM-Copilot CA vm.example 0a1b2c3d',
    names: { dns: [], ips: [], other: [] },
    notBefore: made,
    notAfter: ends,
    fingerprintSha256: 'AA:BB',
    keyType: 'ec/prime256v1',
    selfSigned: true,
    ...overrides,
  };
  return { state: 'present', info, isCa: flags.isCa ?? true, keyMatches: flags.keyMatches ?? true };
}
const at = (existing: ExistingCa, now: Date) => decideApplianceCa(existing, now, 30);
const reason = (d: ReturnType<typeof decideApplianceCa>) => (d.regenerate ? d.reason : 'kept');

test('a working CA is kept for years, whatever happens to the names', () => {
  assert.deepEqual(at(ca(), new Date('2030-06-01T00:00:00Z')), { regenerate: false });
  assert.deepEqual(at(ca(), new Date(ends.getTime() - 31 * DAY)), { regenerate: false });
});

test('each reason to replace it is named', () => {
  const now = new Date('2027-01-01T00:00:00Z');
  assert.equal(reason(at({ state: 'missing' }, now)), 'no appliance CA yet');
  assert.equal(reason(at({ state: 'unreadable', error: 'bad PEM' }, now)), 'appliance CA unreadable (bad PEM)');
  assert.match(reason(at(ca({}, { keyMatches: false }), now)), /private key missing or not matching/);
  assert.equal(reason(at(ca({}, { isCa: false }), now)), 'the CA file is not a self-signed CA certificate');
  assert.equal(reason(at(ca({ selfSigned: false }), now)), 'the CA file is not a self-signed CA certificate');
  assert.equal(reason(at(ca({ keyType: 'rsa/2048' }), now)), 'CA key type rsa/2048, wanted ec/prime256v1');
  assert.match(reason(at(ca(), new Date(ends.getTime() - 29 * DAY))), /^appliance CA expires on 2035-12-30.*within 30 days$/);
  assert.match(reason(at(ca(), new Date(made.getTime() - DAY))), /not valid before .*clock changed/);
});
