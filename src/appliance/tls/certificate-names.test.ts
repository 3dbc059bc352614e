import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../lib/errors.ts';
import {
  diffCertificateNames,
  isDnsName,
  normalizeIp,
  parseSubjectAltName,
  subjectAltNameExtension,
  wantedCertificateNames,
} from './certificate-names.ts';

test('wanted names: hostname, every IP, localhost and 127.0.0.1, deduplicated and sorted', () => {
  assert.deepEqual(wantedCertificateNames('VM.Example.org.', ['10.0.0.5', '192.168.1.7', '10.0.0.5']), {
    dns: ['localhost', 'vm.example.org'],
    ips: ['10.0.0.5', '127.0.0.1', '192.168.1.7'],
  });
});

test('a hostname that is an IP becomes an IP SAN, IPv6 compressed', () => {
  assert.deepEqual(wantedCertificateNames('10.0.0.5', ['FE80:0:0:0:0:0:0:1']), {
    dns: ['localhost'],
    ips: ['10.0.0.5', '127.0.0.1', 'fe80::1'],
  });
});

test('injection attempts in hostname or IPs are rejected with a ConfigError naming each', () => {
  for (const bad of ['a,DNS:evil.com', 'a/CN=x', 'host name', 'a\nb', '*.example.org', '-lead.example', 'x;y', '{x}', '"q"', '']) {
    assert.throws(() => wantedCertificateNames(bad, []), ConfigError, bad);
  }
  assert.throws(
    () => wantedCertificateNames('ok.example', ['10.0.0.1', '1.2.3.4,IP:5.6.7.8']),
    (e: unknown) => e instanceof ConfigError && e.issues.length === 1 && e.issues[0]?.field === 'ips',
  );
});

test('isDnsName and normalizeIp', () => {
  assert.equal(isDnsName('a-b.c1.example'), true);
  assert.equal(isDnsName(`${'x'.repeat(64)}.example`), false);
  assert.equal(isDnsName('1.2.3.4'), false);
  assert.equal(normalizeIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(normalizeIp('::ffff:1.2.3.4'), '::ffff:102:304');
  assert.equal(normalizeIp('10.0.0.5'), '10.0.0.5');
  assert.equal(normalizeIp('vm.example'), undefined);
});

test('the openssl extension lists DNS then IP entries', () => {
  assert.equal(
    subjectAltNameExtension({ dns: ['localhost', 'vm.example'], ips: ['127.0.0.1', 'fe80::1'] }),
    'subjectAltName=DNS:localhost,DNS:vm.example,IP:127.0.0.1,IP:fe80::1',
  );
});

test("Node's subjectAltName text parses back to the same names", () => {
  const parsed = parseSubjectAltName('DNS:VM.example, DNS:localhost, IP Address:127.0.0.1, IP Address:FE80:0:0:0:0:0:0:1, email:a@b');
  assert.deepEqual(parsed, { dns: ['localhost', 'vm.example'], ips: ['127.0.0.1', 'fe80::1'], other: ['email:a@b'] });
  assert.deepEqual(parseSubjectAltName(undefined), { dns: [], ips: [], other: [] });
  const wanted = { dns: ['localhost', 'vm.example'], ips: ['127.0.0.1', '10.0.0.9'] };
  assert.deepEqual(diffCertificateNames(wanted, parsed), {
    added: ['IP:10.0.0.9'],
    removed: ['IP:fe80::1', 'email:a@b'],
  });
});
