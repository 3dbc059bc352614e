/**
 * The acceptance checks on what the guest sends to OneGate (the strict fake the session runs; it answers
 * 401 to a wrong token or VM id, 400 to a body that is not template lines). Two senders in the guest:
 * bootstrap (READY=YES with the endpoint and model, from Node) and the net-99-report-ready hook (READY=YES
 * alone, with curl, token from one_env). Rows of ACCEPTANCE_CHECKS.
 */
import type { AcceptanceCheck } from './acceptance-checks.ts';
import type { OneGateUpdate } from './guest-onegate.ts';
import type { VmSession } from './vm-session.ts';

const ENDPOINT_URL = /^https:\/\/[^\s/]+(?::\d+)?\/v1$/;

const accepted = (u: OneGateUpdate) => u.call.status === 200;
const fromBootstrap = (u: OneGateUpdate) => accepted(u) && u.attributes['ONEAPP_COPILOT_ENDPOINT'] !== undefined;
/** net-99 sends READY=YES and nothing else. */
const fromHook = (u: OneGateUpdate) => accepted(u) && u.call.body.trim() === 'READY=YES';

function secondsSinceStart(vm: VmSession, u: OneGateUpdate): string {
  return `${((u.seenAt - vm.vm.startedAt) / 1000).toFixed(1)}s`;
}

/** Throws when any request OneGate got so far carries the API key (URL, headers or body). */
function assertKeyNeverSent(vm: VmSession): number {
  const secret = vm.apiKey.replace(/^sk-imagetest/, '');
  for (const c of vm.oneGate.fake.calls) {
    const sent = JSON.stringify({ url: c.url, headers: c.headers, body: c.body });
    if (sent.includes(vm.apiKey) || sent.includes(secret)) throw new Error(`the API key was sent to OneGate: ${c.method} ${c.url}`);
  }
  return vm.oneGate.fake.calls.length;
}

/** Every request had this VM's token and id, and the strict fake accepted it. */
function assertAllAccepted(vm: VmSession): void {
  const bad = vm.oneGate.fake.calls.filter(
    (c) =>
      c.status !== 200 || c.headers['x-onegate-token'] !== vm.oneGate.fake.token || c.headers['x-onegate-vmid'] !== vm.oneGate.fake.vmId,
  );
  if (bad.length > 0)
    throw new Error(
      `OneGate refused or got foreign credentials: ${bad.map((c) => `${c.method} ${c.url} → ${c.status} (vmid ${String(c.headers['x-onegate-vmid'])})`).join(', ')}`,
    );
}

export const ONEGATE_READY_CHECK: AcceptanceCheck = {
  name: 'OneGate: READY=YES after bootstrap, with the VM token',
  async run(vm) {
    const bootstrap = await vm.oneGate.wait(
      'bootstrap to publish READY=YES with the endpoint to OneGate',
      () => vm.oneGate.updates().find((u) => fromBootstrap(u) && u.attributes['READY'] === 'YES'),
      { timeoutMs: 60_000, signal: vm.vm.exitSignal },
    );
    // net-99 runs after bootstrap returns; its curl waits up to 10 s per try, 3 tries, 5 s apart.
    const hook = await vm.oneGate.wait('net-99-report-ready to report READY=YES to OneGate', () => vm.oneGate.updates().find(fromHook), {
      timeoutMs: 120_000,
      signal: vm.vm.exitSignal,
    });
    assertAllAccepted(vm);
    if (vm.oneGate.fake.userTemplate['READY'] !== 'YES') throw new Error('the VM user template has no READY=YES');
    if (hook.index < bootstrap.index) throw new Error('net-99 reported READY before bootstrap published');
    return (
      `VMID ${vm.oneGate.fake.vmId}, token matched; bootstrap at ${secondsSinceStart(vm, bootstrap)}, ` +
      `net-99 (${String(hook.call.headers['user-agent'])}) at ${secondsSinceStart(vm, hook)} after QEMU start`
    );
  },
};

export const ONEGATE_PUBLISHED_CHECK: AcceptanceCheck = {
  name: 'OneGate: endpoint and model published, never the key',
  async run(vm) {
    const url = vm.oneGate.fake.userTemplate['ONEAPP_COPILOT_ENDPOINT'];
    const model = vm.oneGate.fake.userTemplate['ONEAPP_COPILOT_MODEL_ID'];
    if (url === undefined || !ENDPOINT_URL.test(url)) throw new Error(`ONEAPP_COPILOT_ENDPOINT is not an endpoint URL: ${url}`);
    if (!(await vm.report()).includes(url)) throw new Error(`the published endpoint ${url} is not the one in the report`);
    if (model !== vm.model) throw new Error(`ONEAPP_COPILOT_MODEL_ID is ${model}, the VM serves ${vm.model}`);
    const calls = assertKeyNeverSent(vm);
    return `ONEAPP_COPILOT_ENDPOINT=${url}, ONEAPP_COPILOT_MODEL_ID=${model}; key in none of ${calls} requests`;
  },
};

export const ONEGATE_NO_READY_CHECK: AcceptanceCheck = {
  name: 'REPORT_READY=NO: endpoint republished, no READY',
  async run(vm) {
    const since = vm.oneGate.fake.calls.length;
    // The stand-in counts a run only after every hook (net-90 configure+bootstrap, then net-99) returned.
    const how = await vm.recontextualize(4, { REPORT_READY: 'NO' });
    await vm.waitStatus('bootstrap_success', 300_000);
    const updates = vm.oneGate.updates(since);
    if (!updates.some(fromBootstrap)) throw new Error('bootstrap did not publish the endpoint again');
    const ready = updates.filter((u) => 'READY' in u.attributes);
    if (ready.length > 0)
      throw new Error(`READY sent although REPORT_READY=NO: ${ready.map((u) => JSON.stringify(u.call.body)).join(', ')}`);
    assertAllAccepted(vm);
    const calls = assertKeyNeverSent(vm);
    return `${how}; ${updates.length} update(s), endpoint only; key in none of ${calls} requests so far`;
  },
};
