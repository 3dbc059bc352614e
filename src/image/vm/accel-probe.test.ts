import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decideAccel } from './accel-decision.ts';
import {
  type BootTarget,
  bootCheck,
  bootCheckArgs,
  KERNEL_REACHED_USER_SPACE,
  kvmDeviceState,
  qemuComplaint,
  realProbeRunner,
} from './accel-probe.ts';

/**
 * A BIOS boot sector that writes `text` to COM1 and halts (or, with text '', halts at once:
 * a guest that hangs silently). Real QEMU boots it in about a second under TCG.
 *   xor ax,ax; mov ds,ax; cld; mov si,msg; next: lodsb; test al,al; jz done; mov dx,0x3f8; out dx,al;
 *   jmp next; done: cli; hlt; jmp done; msg: db text,0
 */
function markerBootSector(text: string): Buffer {
  const code = [0x31, 0xc0, 0x8e, 0xd8, 0xfc, 0xbe, 0x17, 0x7c, 0xac, 0x84, 0xc0, 0x74, 0x06, 0xba, 0xf8, 0x03, 0xee, 0xeb, 0xf5];
  code.push(0xfa, 0xf4, 0xeb, 0xfc);
  // SeaBIOS does not boot a virtio disk of one sector: give it 1 MiB.
  const sector = Buffer.alloc(1024 * 1024);
  Buffer.from(code).copy(sector, 0);
  sector.write(`${text}\0`, code.length, 'latin1');
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

const dir = mkdtempSync(join(tmpdir(), 'slm-accel-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function target(name: string, text: string): BootTarget {
  const disk = join(dir, `${name}.img`);
  writeFileSync(disk, markerBootSector(text));
  return { disk, format: 'raw', marker: /SLM-ACCEL-OK/, markerText: 'the probe marker' };
}

test('boot check args: the suite’s CPU per accelerator, throw-away snapshot, no network, serial on stdio', () => {
  const t = target('args', 'x');
  const kvm = bootCheckArgs(t, 'kvm').join(' ');
  assert.match(kvm, /-machine pc,accel=kvm -cpu host /);
  assert.match(kvm, /snapshot=on/);
  assert.match(kvm, /-nic none/);
  assert.match(kvm, /-serial stdio/);
  assert.match(bootCheckArgs(t, 'tcg').join(' '), /accel=tcg -cpu max /);
});

test('real QEMU under TCG: the marker on the serial console passes the boot check', async () => {
  const r = await bootCheck(target('ok', 'boot: SLM-ACCEL-OK\r\n'), 'tcg', 60_000);
  assert.equal(r.ok, true, JSON.stringify(r));
});

test('real QEMU under TCG: a guest that hangs silently fails the check, naming the marker and the bound', async () => {
  const r = await bootCheck(target('hang', ''), 'tcg', 3_000);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /^no sign of the probe marker on the serial console within 3s \(the guest hangs/);
});

test('real QEMU: when QEMU exits before the marker, the reason is QEMU’s own error line', async () => {
  const missing = { ...target('exit', 'SLM-ACCEL-OK'), disk: join(dir, 'no-such-disk.img') };
  const r = await bootCheck(missing, 'tcg', 30_000);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /^qemu exited \(1\) before the probe marker: qemu-system-x86_64: .*no-such-disk\.img/);
});

test('real QEMU with accel=kvm where KVM cannot work: QEMU exits and says why', {
  skip: kvmDeviceState().usable && 'KVM works here',
}, async () => {
  const r = await bootCheck(target('kvm', 'SLM-ACCEL-OK'), 'kvm', 30_000);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /^qemu exited \(1\) before the probe marker: qemu-system-x86_64: .*(KVM|kvm)/);
});

test('the appliance marker: systemd from the root filesystem as the image prints it on ttyS0, not the initramfs', () => {
  const { marker } = KERNEL_REACHED_USER_SPACE;
  // Lines from the test image's serial console under TCG.
  assert.doesNotMatch('[   10.396322] Run /init as init process', marker);
  assert.doesNotMatch('[    0.000000] Linux version 6.1.0-57-cloud-amd64', marker);
  assert.match('[   26.201860] systemd[1]: systemd 252.39-1~deb12u2 running in system mode (+PAM +AUDIT)', marker);
  assert.match('Welcome to \x1b[1mDebian GNU/Linux 12 (bookworm)\x1b[0m!', marker);
});

test('qemuComplaint prefers QEMU’s error lines over console noise', () => {
  assert.equal(
    qemuComplaint(
      'SeaBIOS\nqemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000c04\nqemu-system-x86_64: /build/kvm.c:2893: kvm_buf_set_msrs: Assertion failed.\n',
    ),
    'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000c04 | qemu-system-x86_64: /build/kvm.c:2893: kvm_buf_set_msrs: Assertion failed.',
  );
});

test('this machine: the real runner decides, and kvm is refused exactly when auto falls back', async () => {
  const runner = realProbeRunner(async () => target('real', 'SLM-ACCEL-OK'), 60_000);
  const auto = await decideAccel('auto', runner);
  assert.ok(auto.why.length > 0);
  if (!existsSync('/dev/kvm')) assert.match(auto.why, /\/dev\/kvm does not exist/);
  if (auto.accel === 'tcg') await assert.rejects(decideAccel('kvm', runner), /--accel kvm: KVM is not usable/);
  else assert.equal((await decideAccel('kvm', runner)).accel, 'kvm');
});
