import assert from 'node:assert/strict';
import { it } from 'node:test';
import { APPLIANCE_ROLES, roleDuties } from './appliance-role.ts';

it('splits the appliance so that only the edge holds the public key and only engines load a model', () => {
  assert.deepEqual(roleDuties('standalone'), { runsEngine: true, runsEdge: true, discoversEngines: false, internalCredentialOnly: false });
  assert.deepEqual(roleDuties('edge'), { runsEngine: false, runsEdge: true, discoversEngines: true, internalCredentialOnly: false });
  assert.deepEqual(roleDuties('engine'), { runsEngine: true, runsEdge: false, discoversEngines: false, internalCredentialOnly: true });
  for (const role of APPLIANCE_ROLES) {
    const d = roleDuties(role);
    // Every role serves something, and an engine that takes the public key is exactly what must not exist.
    assert.ok(d.runsEngine || d.runsEdge, role);
    assert.ok(!(d.internalCredentialOnly && d.runsEdge), role);
  }
});
