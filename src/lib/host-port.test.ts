import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostInUrl, hostPort } from './host-port.ts';

test('IPv6 literals are bracketed; IPv4 and names are not', () => {
  assert.equal(hostPort('fd00::3', 8081), '[fd00::3]:8081');
  assert.equal(hostPort('192.168.150.3', 8081), '192.168.150.3:8081');
  assert.equal(hostInUrl('copilot.example.org'), 'copilot.example.org');
  assert.equal(hostInUrl('::1'), '[::1]');
});
