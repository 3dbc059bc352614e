import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caCommonName, caOpensslConfig, serverCommonName, serverOpensslConfig } from './openssl-config.ts';

test('the CA name holds the hostname and the id, within the 64 characters a CN may have', () => {
  assert.equal(caCommonName('vm.example.org.', '0a1b2c3d'), 'SLM-Copilot CA vm.example.org 0a1b2c3d');
  const long = caCommonName(`${'a'.repeat(60)}.example.org`, '0a1b2c3d');
  assert.equal(long.length, 64);
  assert.ok(long.endsWith(' 0a1b2c3d'));
  assert.equal(serverCommonName('vm.example.'), 'vm.example');
  assert.equal(serverCommonName(`${'a'.repeat(70)}.example`), 'slm-copilot');
});

test('CA and server extensions are exactly the ones clients need', () => {
  const ca = caOpensslConfig('SLM-Copilot CA x 0a1b2c3d');
  assert.match(ca, /^basicConstraints = critical,CA:TRUE,pathlen:0$/m);
  assert.match(ca, /^keyUsage = critical,keyCertSign,cRLSign$/m);
  assert.doesNotMatch(ca, /nameConstraints|extendedKeyUsage/);
  const server = serverOpensslConfig('vm.example', { dns: ['localhost', 'vm.example'], ips: ['127.0.0.1', '10.0.0.5'] });
  assert.match(server, /^basicConstraints = critical,CA:FALSE$/m);
  assert.match(server, /^extendedKeyUsage = serverAuth$/m);
  assert.match(server, /^authorityKeyIdentifier = keyid:always$/m);
  assert.match(server, /^subjectAltName=DNS:localhost,DNS:vm\.example,IP:127\.0\.0\.1,IP:10\.0\.0\.5$/m);
});
