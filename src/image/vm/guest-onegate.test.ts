import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST_ONEGATE, GuestOneGate } from './guest-onegate.ts';

test('the guest OneGate: context as OpenNebula writes it, a forward to the fake, updates in arrival order with parsed bodies', async (t) => {
  const og = await GuestOneGate.start();
  t.after(() => og.close());
  const ctx = og.context();
  assert.equal(ctx.endpoint, `http://${GUEST_ONEGATE.address}:${GUEST_ONEGATE.port}`);
  assert.match(ctx.vmId, /^[0-9]+$/);
  assert.equal(ctx.token, og.fake.token);
  assert.match(og.guestForward().command, new RegExp(` ${new URL(og.fake.endpoint).port}$`));

  const put = (token: string, body: string) =>
    fetch(`${og.fake.endpoint}/vm`, { method: 'PUT', headers: { 'X-ONEGATE-TOKEN': token, 'X-ONEGATE-VMID': ctx.vmId }, body });
  assert.equal((await put('wrong', 'READY=YES')).status, 401);
  assert.equal((await put(ctx.token, 'READY=YES\nONEAPP_COPILOT_ENDPOINT=https://10.0.2.15/v1')).status, 200);
  const all = og.updates();
  assert.deepEqual(
    all.map((u) => [u.index, u.call.status, u.attributes['ONEAPP_COPILOT_ENDPOINT']]),
    [
      [0, 401, undefined],
      [1, 200, 'https://10.0.2.15/v1'],
    ],
  );
  assert.ok(all.every((u) => u.seenAt <= performance.now()));
  assert.deepEqual(
    og.updates(1).map((u) => u.index),
    [1],
  );
  assert.equal(await og.wait('the accepted update', () => og.updates().find((u) => u.call.status === 200)?.index, { timeoutMs: 1000 }), 1);
  await assert.rejects(
    og.wait('an update that never comes', () => undefined, { timeoutMs: 300 }),
    /timed out .* 2 OneGate calls: PUT \/vm 401, PUT \/vm 200/,
  );
});
