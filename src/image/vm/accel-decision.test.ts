import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AccelProbeRunner, type BootCheckResult, decideAccel, type KvmDeviceState, KvmUnusableError } from './accel-decision.ts';

/** A runner scripted with what the machine would show; it records whether the boot check ran. */
function fakeRunner(device: KvmDeviceState, boot: BootCheckResult): AccelProbeRunner & { boots: number } {
  const runner = {
    boots: 0,
    kvmDevice: () => device,
    bootCheckKvm: async () => {
      runner.boots++;
      return boot;
    },
  };
  return runner;
}

const healthy = () => fakeRunner({ usable: true }, { ok: true, seconds: 4.2 });
const noDevice = () => fakeRunner({ usable: false, reason: '/dev/kvm does not exist (no KVM on this machine)' }, { ok: true, seconds: 1 });
const msrAbort = () =>
  fakeRunner(
    { usable: true },
    { ok: false, reason: 'qemu exited (1) before init: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000c04' },
  );
const silentHang = () =>
  fakeRunner({ usable: true }, { ok: false, reason: 'no sign of the kernel starting init on the serial console within 90s' });

test('auto: KVM when the boot check passes, with the time it took', async () => {
  const runner = healthy();
  assert.deepEqual(await decideAccel('auto', runner), { accel: 'kvm', why: 'KVM boot check passed in 4.2s' });
  assert.equal(runner.boots, 1);
});

test('auto: no /dev/kvm → TCG without booting, saying why', async () => {
  const runner = noDevice();
  const d = await decideAccel('auto', runner);
  assert.equal(d.accel, 'tcg');
  assert.match(d.why, /^KVM not usable \(\/dev\/kvm does not exist.*\); falling back to TCG/);
  assert.equal(runner.boots, 0);
});

test('auto: /dev/kvm present but QEMU aborts on the MSR (broken nested KVM) → TCG with QEMU’s error', async () => {
  const d = await decideAccel('auto', msrAbort());
  assert.equal(d.accel, 'tcg');
  assert.match(d.why, /KVM boot check failed: qemu exited \(1\).*failed to set MSR 0x10a/);
});

test('auto: /dev/kvm present but the guest hangs silently → TCG, naming the missing marker', async () => {
  const d = await decideAccel('auto', silentHang());
  assert.equal(d.accel, 'tcg');
  assert.match(d.why, /KVM boot check failed: no sign of the kernel starting init .* within 90s/);
});

test('kvm: a clear error with the reason and the way out, for every kind of failure', async () => {
  for (const runner of [noDevice(), msrAbort(), silentHang()]) {
    await assert.rejects(
      decideAccel('kvm', runner),
      (e) =>
        e instanceof KvmUnusableError &&
        /^--accel kvm: KVM is not usable on this machine: .+\. Use --accel auto \(falls back to TCG\) or --accel tcg\.$/.test(e.message),
    );
  }
  assert.equal((await decideAccel('kvm', healthy())).accel, 'kvm');
});

test('tcg: never probes KVM', async () => {
  const runner = healthy();
  assert.equal((await decideAccel('tcg', runner)).accel, 'tcg');
  assert.equal(runner.boots, 0);
});
