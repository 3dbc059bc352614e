/**
 * Which accelerator the VM acceptance suite boots with. A /dev/kvm that exists proves nothing: with
 * broken nested virtualisation QEMU aborts on `-cpu host` ("failed to set MSR 0x10a") or the guest
 * kernel hangs silently after GRUB. So `auto` boots the guest once under KVM and waits for a marker on
 * its serial console; on any failure it falls back to TCG and says why. `kvm` fails with that reason.
 */
import { SlmError } from '../../lib/errors.ts';
import type { Accel } from './qemu-vm.ts';

export type AccelChoice = Accel | 'auto';

export type KvmDeviceState = { usable: true } | { usable: false; reason: string };

export type BootCheckResult = { ok: true; seconds: number } | { ok: false; reason: string };

/** The side effects of the decision: looking at /dev/kvm and one short boot under KVM. */
export interface AccelProbeRunner {
  kvmDevice(): KvmDeviceState;
  bootCheckKvm(): Promise<BootCheckResult>;
}

export interface AccelDecision {
  accel: Accel;
  /** One line for the operator: why this accelerator. */
  why: string;
}

export class KvmUnusableError extends SlmError {}

export async function decideAccel(wanted: AccelChoice, runner: AccelProbeRunner): Promise<AccelDecision> {
  if (wanted === 'tcg') return { accel: 'tcg', why: '--accel tcg: software emulation (slow: minutes per boot)' };
  const probe = await probeKvm(runner);
  if (probe.ok) return { accel: 'kvm', why: `KVM boot check passed in ${probe.seconds.toFixed(1)}s` };
  if (wanted === 'kvm')
    throw new KvmUnusableError(
      `--accel kvm: KVM is not usable on this machine: ${probe.reason}. Use --accel auto (falls back to TCG) or --accel tcg.`,
    );
  return { accel: 'tcg', why: `KVM not usable (${probe.reason}); falling back to TCG software emulation (slow: minutes per boot)` };
}

/** The device first: no point booting when /dev/kvm is missing or cannot be opened. */
async function probeKvm(runner: AccelProbeRunner): Promise<BootCheckResult> {
  const device = runner.kvmDevice();
  if (!device.usable) return { ok: false, reason: device.reason };
  const boot = await runner.bootCheckKvm();
  return boot.ok ? boot : { ok: false, reason: `KVM boot check failed: ${boot.reason}` };
}
