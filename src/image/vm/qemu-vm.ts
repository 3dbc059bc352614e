/**
 * One QEMU VM for the acceptance test: a throw-away qcow2 overlay over the image, the context CD on an
 * IDE CD-ROM that can be swapped through the monitor, user networking with host forwards bound to
 * 127.0.0.1 only and guest forwards to programs on the host (`restrict=on`: the guest reaches nothing
 * else, not even the host's 10.0.2.2), serial console to a file. Always killed by whoever started it (stop()).
 */
import { connect } from 'node:net';
import { sleep } from '../../lib/process/sleep.ts';
import { type StartedProcess, startProcess } from '../../lib/process/start-process.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';
import { runLogged } from '../run-logged.ts';

export type Accel = 'kvm' | 'tcg';

/** TCG: `max` emulates every feature QEMU can (AVX2 included) for llama.cpp's CPU backend. */
export function cpuModel(accel: Accel): string {
  return accel === 'kvm' ? 'host' : 'max';
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
  /** Guest connections to address:port (inside 10.0.2.0/24, not .2/.3) run `command` (see guest-forward.ts). */
  guestForwards?: { address: string; port: number; command: string }[];
  /**
   * A second NIC on a private L2 segment shared with another VM of the test, carried over a TCP
   * socket on the host's loopback (QEMU `-netdev socket`): one VM listens, the other connects.
   */
  privateNic?: PrivateNic;
  /** QEMU's -name (several VMs of one test tell their processes apart by it). */
  name?: string;
  log: string;
}

export interface PrivateNic {
  mac: string;
  side: 'listen' | 'connect';
  port: number;
}

function privateNicArgs(nic: PrivateNic | undefined): string[] {
  if (nic === undefined) return [];
  return ['-netdev', `socket,id=private0,${nic.side}=127.0.0.1:${nic.port}`, '-device', `virtio-net-pci,netdev=private0,mac=${nic.mac}`];
}

function netdev(o: VmOptions): string {
  const rules = [
    `hostfwd=tcp:127.0.0.1:${o.httpsPort}-:443`,
    `hostfwd=tcp:127.0.0.1:${o.sshPort}-:22`,
    // QEMU splits options on commas; a literal comma is written twice.
    ...(o.guestForwards ?? []).map((f) => `guestfwd=tcp:${f.address}:${f.port}-cmd:${f.command.replaceAll(',', ',,')}`),
  ];
  return ['user', 'model=virtio-net-pci', `mac=${o.mac}`, 'restrict=on', ...rules].join(',');
}

export function qemuArgs(o: VmOptions): string[] {
  return [
    '-name',
    o.name ?? 'slm-copilot-image-test',
    '-machine',
    `pc,accel=${o.accel}`,
    '-cpu',
    cpuModel(o.accel),
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
    netdev(o),
    ...privateNicArgs(o.privateNic),
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
  #qemu: StartedProcess | undefined;
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
    const qemu = await startProcess('qemu-system-x86_64', qemuArgs(this.options), { name: 'qemu' });
    this.#qemu = qemu;
    // QEMU fails fast on bad arguments or a busy port; give it a moment to do so.
    await sleep(1500, { signal: qemu.exitSignal }).catch(() => {
      throw new Error(`${(qemu.exitSignal.reason as Error).message}: ${qemu.output().trim()}`);
    });
  }

  get running(): boolean {
    return this.#qemu?.running === true;
  }

  /** Aborts when QEMU exits: a wait on the guest gives up at once instead of running into its timeout. */
  get exitSignal(): AbortSignal | undefined {
    return this.#qemu?.exitSignal;
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
    let last = '';
    await waitUntil(
      `the context CD to change to ${iso}`,
      async () => {
        last = stripAnsi(await this.monitor(`change cd0 ${iso} raw read-only`))
          .split('\n')
          .filter((l) => /error/i.test(l))
          .join(' ');
        const info = stripAnsi(await this.monitor('info block cd0'));
        return info.includes(`: ${iso} (raw`) && /tray closed/.test(info);
      },
      { timeoutMs, intervalMs: 2000, state: () => last, signal: this.exitSignal },
    );
  }

  async stop(): Promise<void> {
    await this.#qemu?.stop({ graceMs: 5000 });
  }
}

function stripAnsi(text: string): string {
  // The human monitor echoes input with cursor-movement escapes.
  return text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '');
}
