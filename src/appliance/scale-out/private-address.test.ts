import assert from 'node:assert/strict';
import { it } from 'node:test';
import { internalCredential } from './internal-credential.ts';
import { isPrivateAddress, privateListenAddress } from './private-address.ts';

it('an engine listens on its first private address, never a public NIC', () => {
  assert.equal(privateListenAddress(['203.0.113.7', '10.1.0.7', '192.168.1.2']), '10.1.0.7');
  assert.equal(privateListenAddress(['198.51.100.1', 'fd12:3456::7']), 'fd12:3456::7');
  assert.equal(privateListenAddress(['203.0.113.7', '2001:db8::1']), undefined);
  for (const a of ['10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '127.0.0.2', 'fc00::1'])
    assert.ok(isPrivateAddress(a), a);
  for (const a of ['172.15.0.1', '172.32.0.1', '100.128.0.1', '8.8.8.8', '0.0.0.0', 'fe80::1', 'not-an-ip'])
    assert.ok(!isPrivateAddress(a), a);
});

it('edge and engines derive the same credential from the key, which is not the key and does not reveal it', () => {
  const key = 'sk-abcdefghijklmnopqrstuvwxyz012345';
  const a = internalCredential({ serviceCredential: undefined, apiKey: key });
  assert.equal(a, internalCredential({ serviceCredential: undefined, apiKey: key }));
  assert.match(a, /^int-[0-9a-f]{64}$/);
  assert.ok(!a.includes(key.slice(3)));
  assert.notEqual(a, internalCredential({ serviceCredential: undefined, apiKey: `${key}x` }));
  assert.equal(internalCredential({ serviceCredential: 'set-by-the-operator-123', apiKey: key }), 'set-by-the-operator-123');
  assert.throws(() => internalCredential({ serviceCredential: undefined, apiKey: undefined }), /ONEAPP_COPILOT_SERVICE_CREDENTIAL/);
});
