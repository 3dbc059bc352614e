/**
 * The real side of the accelerator decision (accel-decision.ts): can /dev/kvm be opened, and does a
 * guest boot under KVM print its marker on the serial console in time? The boot uses the same CPU
 * model as the suite (`-cpu host`), a throw-away snapshot of the disk, no network, and is always killed.
 */
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { startProcess } from '../../lib/process/start-process.ts';
import { WaitTimeoutError } from '../../lib/process/wait-until.ts';
import type { AccelProbeRunner, BootCheckResult, KvmDeviceState } from './accel-decision.ts';
import { type Accel, cpuModel } from './qemu-vm.ts';

export interface BootTarget {
  disk: string;
  format: 'raw' | 'qcow2';
  /** What the console prints once the guest got far enough to trust the accelerator. */
  marker: RegExp;
  /** The marker in words, for the reason when it never comes. */
  markerText: string;
}

/**
 * The appliance image's marker: systemd running from the root filesystem (Debian's initramfs has no
 * systemd), i.e. the kernel booted, the initramfs found the disk and handed over. A broken nested KVM
 * hangs long before, silently.
 */
export const KERNEL_REACHED_USER_SPACE: Pick<BootTarget, 'marker' | 'markerText'> = {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: systemd colours its banner on the serial console
  marker: /systemd\[1\]: systemd \S+ running in system mode|Welcome to (?:\x1b\[[0-9;]*m)?Debian/,
  markerText: 'systemd starting from the root filesystem',
};

/** A healthy KVM boot reaches init in seconds; the bound covers a loaded 2-core host. */
export const KVM_BOOT_CHECK_TIMEOUT_MS = 90_000;

export function kvmDeviceState(path = '/dev/kvm'): KvmDeviceState {
  if (!existsSync(path)) return { usable: false, reason: `${path} does not exist (no KVM on this machine)` };
  try {
    closeSync(openSync(path, constants.O_RDWR));
    return { usable: true };
  } catch (error) {
    return { usable: false, reason: `cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

export function bootCheckArgs(target: BootTarget, accel: Accel): string[] {
  return [
    '-name',
    'slm-copilot-accel-check',
    '-machine',
    `pc,accel=${accel}`,
    '-cpu',
    cpuModel(accel),
    '-smp',
    '1',
    '-m',
    '1024',
    // snapshot=on: writes go to a temporary file QEMU deletes; the image stays untouched.
    '-drive',
    `file=${target.disk},if=virtio,format=${target.format},snapshot=on`,
    '-nic',
    'none',
    '-display',
    'none',
    '-vga',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
  ];
}

/** Boots `target` once under `accel` until its marker appears; the reason says what went wrong otherwise. */
export async function bootCheck(target: BootTarget, accel: Accel, timeoutMs: number): Promise<BootCheckResult> {
  const started = performance.now();
  const qemu = await startProcess('qemu-system-x86_64', bootCheckArgs(target, accel), { name: 'qemu (accelerator check)' });
  try {
    await qemu.waitForOutput(target.marker, timeoutMs);
    return { ok: true, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (error instanceof WaitTimeoutError)
      return {
        ok: false,
        reason: `no sign of ${target.markerText} on the serial console within ${Math.round(timeoutMs / 1000)}s (the guest hangs; nested virtualisation broken?); last console line: ${lastLine(qemu.output())}`,
      };
    if (!qemu.running) {
      const exit = await qemu.exited;
      return {
        ok: false,
        reason: `qemu exited (${exit.code ?? exit.signal}) before ${target.markerText}: ${qemuComplaint(qemu.output())}`,
      };
    }
    throw error;
  } finally {
    await qemu.stop({ graceMs: 2000 });
  }
}

export function realProbeRunner(target: () => Promise<BootTarget>, timeoutMs = KVM_BOOT_CHECK_TIMEOUT_MS): AccelProbeRunner {
  return {
    kvmDevice: () => kvmDeviceState(),
    bootCheckKvm: async () => bootCheck(await target(), 'kvm', timeoutMs),
  };
}

/** QEMU's own error lines ("qemu-system-x86_64: …"), else the last line it wrote. */
export function qemuComplaint(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const own = lines.filter((l) => /^qemu-system-\w+:/.test(l));
  return own.length > 0 ? own.slice(-3).join(' | ') : lastLine(output);
}

function lastLine(output: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the serial console carries terminal escapes
  const clean = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  return (
    clean
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1) ?? '(nothing)'
  ).slice(0, 200);
}
