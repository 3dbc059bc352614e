/**
 * One booted test VM and what the acceptance checks do to it from the host: HTTPS to its forwarded
 * port 443 pinned to the certificate it served first, SSH as root, context CD swaps, and the strict fake
 * OneGate the guest reports to (on the host's loopback; the guest reaches it at 10.0.2.100:5030 through
 * a QEMU guest forward). Every wait is bounded and gives up at once when QEMU exits.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ENGINE_UNIT_NAME, PATHS } from '../../appliance/layout.ts';
import { freePort } from '../../lib/free-port.ts';
import { type ChatStreamSummary, chatStreamProblem, readChatStream } from '../../lib/https/chat-stream.ts';
import { request, requestText, type TextResponse } from '../../lib/https/request.ts';
import { fileTail } from '../../lib/process/output-tail.ts';
import { WaitTimeoutError, waitUntil } from '../../lib/process/wait-until.ts';
import { standInPaths } from '../context-stand-in.ts';
import { type ContextVars, TOKEN_FILE, testContextVars, writeContextIso } from './context-iso.ts';
import { GuestOneGate } from './guest-onegate.ts';
import { fetchPeerCertificate, type PeerCertificate } from './peer-certificate.ts';
import { type Accel, QemuVm } from './qemu-vm.ts';
import { generateSshKey, Ssh } from './ssh.ts';

export interface SessionOptions {
  image: string;
  accel: Accel;
  workDir: string;
  cpus: number;
  memoryMiB: number;
  /** Bound for boot → ready (first boot and after reboot), and for the engine's restart. */
  bootTimeoutMs: number;
}

/** A failure that leaves nothing for the checks after it to test (the VM is not up). */
export class Blocked extends Error {}

const MAC = '52:54:00:5c:0c:01';

export class VmSession {
  readonly options: SessionOptions;
  readonly vm: QemuVm;
  readonly ssh: Ssh;
  readonly apiKey: string;
  readonly httpsPort: number;
  /** The strict fake OneGate this VM reports to (the CONTEXT has TOKEN=YES). */
  readonly oneGate: GuestOneGate;
  readonly #sshPublicKey: string;
  readonly #log: string;
  /** The certificate the VM served when it last became ready. */
  cert: PeerCertificate | undefined;
  /** The model id the VM serves (from /v1/models). */
  model = 'default';
  bootToReadySeconds: number | undefined;
  /** What the report showed before the reboot, to compare with after it. */
  baseline = { fingerprint: '', endpoint: '' };

  private constructor(
    options: SessionOptions,
    parts: { ssh: Ssh; sshPublicKey: string; httpsPort: number; log: string; vm: QemuVm; oneGate: GuestOneGate },
  ) {
    this.options = options;
    this.oneGate = parts.oneGate;
    this.ssh = parts.ssh;
    this.#sshPublicKey = parts.sshPublicKey;
    this.httpsPort = parts.httpsPort;
    this.#log = parts.log;
    this.vm = parts.vm;
    this.apiKey = `sk-imagetest${randomBytes(18).toString('hex')}`;
  }

  /** Prepares the work directory, SSH key, ports and first context CD; the VM starts in `boot()`. */
  static async create(options: SessionOptions): Promise<VmSession> {
    await rm(options.workDir, { recursive: true, force: true });
    await mkdir(options.workDir, { recursive: true });
    const log = join(options.workDir, 'test.log');
    const key = await generateSshKey(options.workDir, log);
    const [httpsPort, sshPort] = [await freePort(), await freePort()];
    const oneGate = await GuestOneGate.start();
    const vm = new QemuVm({
      image: options.image,
      overlay: join(options.workDir, 'disk-overlay.qcow2'),
      contextIso: join(options.workDir, 'context-1.iso'),
      serialLog: join(options.workDir, 'serial.log'),
      monitorSocket: join(options.workDir, 'monitor.sock'),
      accel: options.accel,
      cpus: options.cpus,
      memoryMiB: options.memoryMiB,
      mac: MAC,
      httpsPort,
      sshPort,
      guestForwards: [oneGate.guestForward()],
      log,
    });
    const session = new VmSession(options, { ssh: new Ssh(key, sshPort), sshPublicKey: key.publicKey, httpsPort, log, vm, oneGate });
    await session.#contextIso(1, {});
    return session;
  }

  async boot(): Promise<void> {
    await this.vm.start();
    await this.waitReady('first boot');
    this.bootToReadySeconds = (performance.now() - this.vm.startedAt) / 1000;
  }

  async stop(): Promise<void> {
    await this.vm.stop();
    await this.oneGate.close();
  }

  /** Waits until the appliance reports bootstrap_success and the edge answers /readyz; `Blocked` when it cannot. */
  async waitReady(what: string): Promise<void> {
    let last = 'no SSH yet';
    await this.#blocking(
      waitUntil(
        `the appliance to be ready (${what})`,
        async () => {
          const st = await this.ssh.run(`cat ${PATHS.status} 2>/dev/null`, 20_000);
          if (st.code !== 0) return false;
          const status = st.stdout.trim();
          last = `status "${status}"`;
          if (status.endsWith('_failure')) {
            const logs = await this.ssh.run(`tail -n 20 ${PATHS.logDir}/*.log`);
            throw new Blocked(`${what}: appliance status ${status}\n${logs.stdout}`);
          }
          if (status !== 'bootstrap_success') return false;
          try {
            this.cert = await fetchPeerCertificate(this.httpsPort);
            const ready = await this.https('GET', '/readyz', { timeoutMs: 15_000, key: false });
            if (ready.status === 200) return true;
            last = `/readyz ${ready.status}`;
          } catch (e) {
            last = `HTTPS: ${(e as Error).message}`;
          }
          return false;
        },
        { timeoutMs: this.options.bootTimeoutMs, intervalMs: 5000, state: () => last, signal: this.vm.exitSignal },
      ),
    );
  }

  /** Reboots the guest and waits for a new boot id, then for readiness. */
  async reboot(): Promise<void> {
    const bootId = (await this.ssh.check('cat /proc/sys/kernel/random/boot_id')).trim();
    await this.ssh.run('systemctl reboot', 15_000);
    await this.#blocking(
      waitUntil(
        'the VM to come back with a new boot id',
        async () => {
          const r = await this.ssh.run('cat /proc/sys/kernel/random/boot_id', 15_000);
          return r.code === 0 && r.stdout.trim() !== bootId;
        },
        { timeoutMs: this.options.bootTimeoutMs, intervalMs: 5000, signal: this.vm.exitSignal },
      ),
    );
    await this.waitReady('after reboot');
  }

  /** A request to the edge, verified against the VM's certificate; with the context's key unless `key` says otherwise. */
  https(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; key?: string | false; timeoutMs?: number } = {},
  ): Promise<TextResponse> {
    const key = options.key === undefined ? this.apiKey : options.key;
    return requestText({
      url: `https://127.0.0.1:${this.httpsPort}${path}`,
      method,
      headers: {
        ...(key === false ? {} : { authorization: `Bearer ${key}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ca: this.#cert().pem,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  }

  /** One short streamed completion with the context's key; fails unless it is a complete answer. */
  async stream(): Promise<ChatStreamSummary> {
    const res = await request({
      url: `https://127.0.0.1:${this.httpsPort}/v1/chat/completions`,
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: this.model, stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'Say hello.' }] }),
      ca: this.#cert().pem,
      timeoutMs: 120_000,
    });
    if (res.status !== 200) throw new Error(`streaming: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    const summary = await readChatStream(res.body);
    const problem = chatStreamProblem(summary);
    if (problem !== undefined) throw new Error(`streaming: ${problem}`);
    return summary;
  }

  async engineState(): Promise<{ pid: number; active: boolean }> {
    const out = await this.ssh.check(`systemctl show -p MainPID -p ActiveState ${ENGINE_UNIT_NAME}`);
    return { pid: Number(/MainPID=(\d+)/.exec(out)?.[1] ?? 0), active: /ActiveState=active/.test(out) };
  }

  async status(): Promise<string> {
    return (await this.ssh.run(`cat ${PATHS.status}`)).stdout.trim();
  }

  report(): Promise<string> {
    return this.ssh.check(`cat ${PATHS.report}`);
  }

  async waitStatus(wanted: string, timeoutMs: number): Promise<void> {
    let last = '';
    await waitUntil(
      `the appliance status ${wanted}`,
      async () => {
        last = await this.status();
        return last === wanted;
      },
      { timeoutMs, intervalMs: 3000, state: () => `"${last}"`, signal: this.vm.exitSignal },
    );
  }

  /** Swaps the context CD and waits for the stand-in to run again (udev first, then an explicit trigger); says which. */
  async recontextualize(n: number, extra: ContextVars): Promise<string> {
    const runs = async () => Number((await this.ssh.check(`wc -l < ${standInPaths.runLog}`)).trim());
    const before = await runs();
    await this.vm.changeCdrom(await this.#contextIso(n, extra));
    const ranAgain = (timeoutMs: number) =>
      waitUntil('contextualization to run again', async () => (await runs()) > before, {
        timeoutMs,
        intervalMs: 3000,
        signal: this.vm.exitSignal,
      });
    try {
      await ranAgain(90_000);
      return 'CD change (udev)';
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) throw error;
    }
    await this.ssh.check('systemctl start one-context-test-stand-in-reconfigure.service', 600_000);
    await ranAgain(30_000);
    return 'explicit reconfigure (no udev event within 90s)';
  }

  async #contextIso(n: number, extra: ContextVars): Promise<string> {
    const path = join(this.options.workDir, `context-${n}.iso`);
    const oneGate = this.oneGate.context();
    const vars = testContextVars({ apiKey: this.apiKey, sshPublicKey: this.#sshPublicKey, mac: MAC, oneGate, extra });
    await writeContextIso(join(this.options.workDir, `context-${n}`), path, vars, this.#log, { [TOKEN_FILE]: oneGate.token });
    return path;
  }

  #cert(): PeerCertificate {
    if (this.cert === undefined) throw new Error('no certificate yet: the VM never became ready');
    return this.cert;
  }

  /** A wait the later checks depend on: its failure blocks them, with the serial console's last words. */
  async #blocking(wait: Promise<unknown>): Promise<void> {
    try {
      await wait;
    } catch (error) {
      if (error instanceof Blocked) throw error;
      throw new Blocked(`${(error as Error).message}\nserial log tail:\n${fileTail(this.vm.options.serialLog, 5)}`, { cause: error });
    }
  }
}
