/**
 * One QEMU VM for the acceptance test: a throw-away qcow2 overlay over the image, the context CD on an
 * IDE CD-ROM that can be swapped through the monitor, user networking with host forwards bound to
 * 127.0.0.1 only, serial console to a file. Always killed by whoever started it (stop()).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { runLogged } from '../run-logged.ts';

export type Accel = 'kvm' | 'tcg';

export function resolveAccel(wanted: 'kvm' | 'tcg' | 'auto', kvmPresent = existsSync('/dev/kvm')): Accel {
  if (wanted === 'auto') return kvmPresent ? 'kvm' : 'tcg';
  if (wanted === 'kvm' && !kvmPresent) throw new Error('--accel kvm: /dev/kvm does not exist on this machine (use --accel tcg)');
  return wanted;
}

export interface VmOptions {
  image: string;
  overlay: string;
  contextIso: string;
  serialLog: string;
  monitorSocket: string;
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  mac: string;
  httpsPort: number;
  sshPort: number;
  log: string;
}

export function qemuArgs(o: VmOptions): string[] {
  return [
    '-name',
    'slm-copilot-image-test',
    '-machine',
    `pc,accel=${o.accel}`,
    // TCG: `max` emulates every feature QEMU can (AVX2 included) for llama.cpp's CPU backend.
    '-cpu',
    o.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(o.cpus),
    '-m',
    String(o.memoryMiB),
    '-drive',
    `file=${o.overlay},if=virtio,format=qcow2,cache=unsafe`,
    '-drive',
    `if=none,id=cd0,media=cdrom,readonly=on,file=${o.contextIso}`,
    '-device',
    'ide-cd,drive=cd0,bus=ide.1',
    '-nic',
    `user,model=virtio-net-pci,mac=${o.mac},restrict=on,hostfwd=tcp:127.0.0.1:${o.httpsPort}-:443,hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`,
    '-display',
    'none',
    '-vga',
    'none',
    '-serial',
    `file:${o.serialLog}`,
    '-monitor',
    `unix:${o.monitorSocket},server=on,wait=off`,
  ];
}

export class QemuVm {
  readonly options: VmOptions;
  #child: ChildProcess | undefined;
  #exit: Promise<number | null> | undefined;
  startedAt = 0;

  constructor(options: VmOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    await runLogged('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', this.options.image, this.options.overlay], {
      log: this.options.log,
      timeoutMs: 60_000,
    });
    this.startedAt = performance.now();
    const child = spawn('qemu-system-x86_64', qemuArgs(this.options), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    this.#exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    // QEMU fails fast on bad arguments or a busy port; give it a moment to do so.
    const early = await Promise.race([this.#exit, new Promise<'running'>((r) => setTimeout(() => r('running'), 1500))]);
    if (early !== 'running') throw new Error(`qemu exited (${early}): ${stderr.trim()}`);
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** One human-monitor command; returns its output. */
  async monitor(command: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.options.monitorSocket);
      let out = '';
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`monitor command timed out: ${command}`));
      }, timeoutMs);
      socket.setEncoding('utf8');
      socket.on('data', (c: string) => {
        out += c;
        // The banner ends with the first prompt; the reply ends with the second.
        if ((out.match(/\(qemu\) /g) ?? []).length >= 2) {
          clearTimeout(timer);
          socket.end();
          resolve(out);
        }
      });
      socket.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.on('connect', () => socket.write(`${command}\n`));
    });
  }

  /**
   * Swaps the context CD. While the guest holds the tray locked (it has the CD open), QEMU only sends
   * an eject request and fails; the guest then unlocks and the next attempt swaps the medium.
   */
  async changeCdrom(iso: string, timeoutMs = 60_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = '';
    while (performance.now() < deadline) {
      last = stripAnsi(await this.monitor(`change cd0 ${iso} raw read-only`))
        .split('\n')
        .filter((l) => /error/i.test(l))
        .join(' ');
      const info = stripAnsi(await this.monitor('info block cd0'));
      if (info.includes(`: ${iso} (raw`) && /tray closed/.test(info)) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
    throw new Error(`could not change the CD to ${iso}: ${last}`);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    child.kill('SIGTERM');
    const done = await Promise.race([this.#exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    if (done === 'timeout') child.kill('SIGKILL');
    await this.#exit;
  }
}

function stripAnsi(text: string): string {
  // The human monitor echoes input with cursor-movement escapes.
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '');
}
