import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startFakeOneGate } from './fake-onegate.ts';

const headers = (token: string, vmId: string) => ({ 'X-ONEGATE-TOKEN': token, 'X-ONEGATE-VMID': vmId });

it('a service VM authenticates with its own token only; GET /service shows what each VM published', async (t) => {
  const og = await startFakeOneGate({ vmId: '100', roles: { edge: [100], engine: [101, 102] } });
  t.after(() => og.close());
  const put = (h: Record<string, string>, body: string) =>
    fetch(`${og.endpoint}/vm`, { method: 'PUT', headers: h, body }).then((r) => r.status);
  assert.equal(og.tokenOf(100), og.token);
  assert.notEqual(og.tokenOf(101), og.tokenOf(102));
  // Another VM's token is no token: OneGate ties each token to its VM.
  assert.equal(await put(headers(og.tokenOf(102), '101'), 'READY=YES'), 401);
  assert.equal(await put(headers(og.tokenOf(101), '999'), 'READY=YES'), 401);
  assert.equal(await put(headers(og.tokenOf(101), '101'), 'READY=YES\nONEAPP_COPILOT_ENGINE_ADDRESS=10.0.0.5:8080'), 200);
  assert.deepEqual(og.userTemplateOf(101), { READY: 'YES', ONEAPP_COPILOT_ENGINE_ADDRESS: '10.0.0.5:8080' });
  assert.deepEqual(og.userTemplateOf(102), {});

  assert.equal((await fetch(`${og.endpoint}/service`)).status, 401);
  const res = await fetch(`${og.endpoint}/service`, { headers: headers(og.token, '100') });
  assert.equal(res.status, 200);
  const doc = (await res.json()) as {
    SERVICE: { roles: { name: string; nodes: { vm_info: { VM: { ID: string; USER_TEMPLATE: Record<string, string> } } }[] }[] };
  };
  const engine = doc.SERVICE.roles.find((r) => r.name === 'engine');
  assert.deepEqual(
    engine?.nodes.map((n) => [n.vm_info.VM.ID, n.vm_info.VM.USER_TEMPLATE['READY']]),
    [
      ['101', 'YES'],
      ['102', undefined],
    ],
  );
});

it('GET /service from a VM outside any service is a 400, as on OneGate', async (t) => {
  const og = await startFakeOneGate({ token: 'tok', vmId: '7' });
  t.after(() => og.close());
  const res = await fetch(`${og.endpoint}/service`, { headers: headers('tok', '7') });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /SERVICE_ID/);
});
