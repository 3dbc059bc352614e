/**
 * One VM of the scale-out service test (an edge or an engine), booted from the test image: user
 * networking for the host's SSH/HTTPS forwards and OneGate, plus a second NIC on the service's private
 * L2 segment (a loopback socket shared with the other VM). Its context CD is what OpenNebula writes for
 * a VM of the OneFlow service: the role, the shared API key, TOKEN=YES with this VM's own VMID and
 * token, and the private NIC as ETH1_MAC/ETH1_IP/ETH1_MASK.
 */
import { join } from 'node:path';
import { PATHS } from '../../appliance/layout.ts';
import { freePort } from '../../lib/free-port.ts';
import { fileTail } from '../../lib/process/output-tail.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';
import { TOKEN_FILE, testContextVars, writeContextIso } from './context-iso.ts';
import type { GuestOneGate } from './guest-onegate.ts';
import { type PrivateNic, QemuVm } from './qemu-vm.ts';
import { Ssh, type SshKey } from './ssh.ts';
import type { SessionOptions } from './vm-session.ts';

export type ServiceRole = 'edge' | 'engine';

export interface ServiceVmSpec {
  role: ServiceRole;
  vmId: string;
  /** MAC of the user-network NIC (the test's management NIC). */
  mac: string;
  privateNic: PrivateNic;
  privateIp: string;
  privateMask: string;
  memoryMiB: number;
}

export class ServiceVm {
  readonly spec: ServiceVmSpec;
  readonly vm: QemuVm;
  readonly ssh: Ssh;
  readonly httpsPort: number;

  private constructor(spec: ServiceVmSpec, vm: QemuVm, ssh: Ssh, httpsPort: number) {
    this.spec = spec;
    this.vm = vm;
    this.ssh = ssh;
    this.httpsPort = httpsPort;
  }

  static async create(
    options: SessionOptions,
    spec: ServiceVmSpec,
    shared: { apiKey: string; sshKey: SshKey; oneGate: GuestOneGate },
  ): Promise<ServiceVm> {
    const dir = join(options.workDir, spec.role);
    const log = join(options.workDir, 'test.log');
    const [httpsPort, sshPort] = [await freePort(), await freePort()];
    const vm = new QemuVm({
      name: `slm-copilot-service-test-${spec.role}`,
      image: options.image,
      overlay: join(options.workDir, `${spec.role}-overlay.qcow2`),
      contextIso: join(options.workDir, `${spec.role}-context.iso`),
      serialLog: join(options.workDir, `${spec.role}-serial.log`),
      monitorSocket: join(options.workDir, `${spec.role}-monitor.sock`),
      accel: options.accel,
      cpus: options.cpus,
      memoryMiB: spec.memoryMiB,
      mac: spec.mac,
      httpsPort,
      sshPort,
      guestForwards: [shared.oneGate.guestForward()],
      privateNic: spec.privateNic,
      log,
    });
    const oneGate = shared.oneGate.context(spec.vmId);
    const vars = testContextVars({
      apiKey: shared.apiKey,
      sshPublicKey: shared.sshKey.publicKey,
      mac: spec.mac,
      oneGate,
      extra: {
        ONEAPP_COPILOT_SERVICE_ROLE: spec.role,
        ETH1_MAC: spec.privateNic.mac,
        ETH1_IP: spec.privateIp,
        ETH1_MASK: spec.privateMask,
      },
    });
    if (spec.role === 'engine') {
      // In the service template an engine's only NIC is the private network. The user-network NIC here
      // is the test's way in (SSH, OneGate), not a NIC OpenNebula would describe: like any undeclared
      // interface it is left out of the context (it still gets DHCP from the image's fallback).
      for (const key of Object.keys(vars)) if (key.startsWith('ETH0_')) delete vars[key];
    }
    await writeContextIso(join(dir, 'context'), vm.options.contextIso, vars, log, { [TOKEN_FILE]: oneGate.token });
    return new ServiceVm(spec, vm, new Ssh(shared.sshKey, sshPort), httpsPort);
  }

  get name(): string {
    return `${this.spec.role} VM`;
  }

  start(): Promise<void> {
    return this.vm.start();
  }

  stop(): Promise<void> {
    return this.vm.stop();
  }

  /** Waits (bounded) for bootstrap_success over SSH; fails at once on a *_failure status, with its logs. */
  async waitBootstrapped(timeoutMs: number): Promise<number> {
    let last = 'no SSH yet';
    try {
      await waitUntil(
        `the ${this.name} to finish bootstrap`,
        async () => {
          const st = await this.ssh.run(`cat ${PATHS.status} 2>/dev/null`, 20_000);
          if (st.code !== 0) return false;
          last = `status "${st.stdout.trim()}"`;
          if (st.stdout.trim().endsWith('_failure')) {
            const logs = await this.ssh.run(`tail -n 25 ${PATHS.logDir}/*.log`);
            throw new Error(`${this.name}: appliance status ${st.stdout.trim()}\n${logs.stdout}`);
          }
          return st.stdout.trim() === 'bootstrap_success';
        },
        { timeoutMs, intervalMs: 5000, state: () => last, signal: this.vm.exitSignal },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserial log tail:\n${fileTail(this.vm.options.serialLog, 5)}`, { cause: error });
    }
    return (performance.now() - this.vm.startedAt) / 1000;
  }
}
