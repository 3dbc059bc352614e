/**
 * The net-99 hook, run for real (sh, as one-context runs it) against the strict OneGate stand-in, with the
 * environment one-context gives its hooks: the context variables (REPORT_READY, ONEGATE_ENDPOINT, VMID)
 * but not TOKENTXT, which only one_env holds. A hook that does not source one_env gets a 401. The hook
 * sends with curl (the appliance image has it, the test image has no onegate CLI) and falls back to the
 * onegate CLI (here its stand-in) where curl is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderNet99Hook } from '../../src/appliance/render/service-hooks.ts';
import { type FakeOneGate, parseUpdateBody, startFakeOneGate } from './support/fake-onegate.ts';

const ONEGATE_CLI = fileURLToPath(new URL('./support/onegate-cli.sh', import.meta.url));

function runHook(hook: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/sh', [hook, 'network'], { env, timeout: 60_000 }, (error, _stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr }),
    );
  });
}

describe('net-99-report-ready with a strict OneGate', () => {
  let dir: string;
  let onegate: FakeOneGate;
  let hook: string;
  let status: string;
  let oneEnv: string;
  let hookEnv: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-net99-'));
    onegate = await startFakeOneGate();
    status = join(dir, 'status');
    oneEnv = join(dir, 'one_env');
    hook = join(dir, 'net-99-report-ready');
    writeFileSync(hook, renderNet99Hook(status, oneEnv), { mode: 0o755 });
    // What one-context exports to hooks: context.sh variables; TOKENTXT is not one of them.
    // PATH as in the appliance image: curl, no onegate CLI (the test image has none).
    hookEnv = { PATH: '/usr/bin:/bin', REPORT_READY: 'YES', ONEGATE_ENDPOINT: onegate.endpoint, VMID: onegate.vmId };
  });
  after(async () => {
    await onegate.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeOneEnv = (reportReady: string) =>
    writeFileSync(
      oneEnv,
      [
        `export TOKENTXT="${onegate.token}"`,
        `export VMID="${onegate.vmId}"`,
        `export ONEGATE_ENDPOINT="${onegate.endpoint}"`,
        `export REPORT_READY="${reportReady}"`,
        '',
      ].join('\n'),
      { mode: 0o400 },
    );

  it('reports READY=YES with the token from one_env after a successful bootstrap', async () => {
    writeOneEnv('YES');
    writeFileSync(status, 'bootstrap_success\n');
    onegate.calls.length = 0;
    const r = await runHook(hook, hookEnv);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      onegate.calls.map((c) => `${c.method} ${c.url} ${c.status}`),
      ['PUT /vm 200'],
    );
    assert.equal(onegate.userTemplate['READY'], 'YES');
    assert.match(String(onegate.calls[0]!.headers['user-agent']), /^curl\//, 'sent with curl');
  });

  it('without curl it reports through the onegate CLI, with the token from one_env', async () => {
    writeOneEnv('YES');
    writeFileSync(status, 'bootstrap_success\n');
    // Only what the hook itself needs, plus onegate: no curl on PATH (the stand-in CLI calls it by path).
    const only = join(dir, 'only-onegate');
    mkdirSync(only, { recursive: true });
    for (const tool of ['cat', 'sleep']) symlinkSync(`/bin/${tool}`, join(only, tool));
    symlinkSync(ONEGATE_CLI, join(only, 'onegate'));
    onegate.calls.length = 0;
    const r = await runHook(hook, { ...hookEnv, PATH: only, CURL: '/usr/bin/curl' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      onegate.calls.map((c) => `${c.method} ${c.url} ${c.status} ${c.headers['x-onegate-token'] === onegate.token}`),
      ['PUT /vm 200 true'],
    );
  });

  it('reports nothing when REPORT_READY is not YES, or bootstrap did not succeed', async () => {
    onegate.calls.length = 0;
    writeOneEnv('NO');
    assert.equal((await runHook(hook, { ...hookEnv, REPORT_READY: 'NO' })).code, 0);
    writeOneEnv('YES');
    writeFileSync(status, 'bootstrap_failure\n');
    assert.equal((await runHook(hook, hookEnv)).code, 0);
    assert.deepEqual(onegate.calls, []);
  });

  it('without one_env the token is missing and the strict OneGate answers 401 (the failure the hook must avoid)', async () => {
    rmSync(oneEnv, { force: true });
    writeFileSync(status, 'bootstrap_success\n');
    onegate.calls.length = 0;
    const r = await runHook(hook, hookEnv);
    assert.equal(r.code, 1);
    assert.ok(onegate.calls.length > 0);
    assert.ok(onegate.calls.every((c) => c.status === 401 && !c.headers['x-onegate-token']));
  });
});

describe('fake OneGate strictness', () => {
  it('401 without the token or VM id headers, 400 for a body that is not template lines, 200 and appended otherwise', async (t) => {
    const og = await startFakeOneGate({ token: 'tok', vmId: '7' });
    t.after(() => og.close());
    const put = (headers: Record<string, string>, body: string) =>
      fetch(`${og.endpoint}/vm`, { method: 'PUT', headers, body }).then((r) => r.status);
    assert.equal(await put({}, 'READY=YES'), 401);
    assert.equal(await put({ 'X-ONEGATE-TOKEN': 'tok' }, 'READY=YES'), 401);
    assert.equal(await put({ 'X-ONEGATE-TOKEN': 'wrong', 'X-ONEGATE-VMID': '7' }, 'READY=YES'), 401);
    const ok = { 'X-ONEGATE-TOKEN': 'tok', 'X-ONEGATE-VMID': '7' };
    assert.equal(await put(ok, '{"READY":"YES"}'), 400);
    assert.equal(await put(ok, 'READY=YES\nONEAPP_COPILOT_ENDPOINT="https://10.0.0.5/v1"'), 200);
    assert.deepEqual(og.userTemplate, { READY: 'YES', ONEAPP_COPILOT_ENDPOINT: 'https://10.0.0.5/v1' });
    const shown = (await (await fetch(`${og.endpoint}/vm`, { headers: ok })).json()) as { VM: { USER_TEMPLATE: unknown } };
    assert.deepEqual(shown.VM.USER_TEMPLATE, og.userTemplate);
    assert.deepEqual(parseUpdateBody('A=1\n\nB = "x \\" y"'), { A: '1', B: 'x " y' });
  });
});
