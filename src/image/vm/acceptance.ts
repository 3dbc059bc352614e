/**
 * `slm-copilot image test`: boots the image with a context CD and checks, from the host, what an
 * operator relies on: ready after boot, HTTPS streaming with the context's key, 401 without it, the
 * report over SSH, reboot keeps key/certificate/endpoint, a context change reconfigures without
 * restarting the engine, an invalid value keeps the old endpoint serving, and systemd restarts a
 * killed engine. Every wait is bounded; the VM is always stopped.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ENGINE_UNIT_NAME, PATHS } from '../../appliance/layout.ts';
import { freePort } from '../../lib/free-port.ts';
import { standInPaths } from '../context-stand-in.ts';
import { logTail } from '../run-logged.ts';
import { type ContextVars, testContextVars, writeContextIso } from './context-iso.ts';
import { fetchPeerCertificate, httpsRequest, type PeerCertificate, streamCompletion } from './https-client.ts';
import { type Accel, QemuVm } from './qemu-vm.ts';
import { type CheckResult, renderResultTable } from './result-table.ts';
import { generateSshKey, Ssh } from './ssh.ts';

export interface AcceptanceOptions {
  image: string;
  accel: Accel;
  workDir: string;
  cpus: number;
  memoryMiB: number;
  /** Bound for boot → ready (first boot and after reboot). */
  bootTimeoutMs: number;
  write: (text: string) => void;
}

export interface AcceptanceReport {
  results: CheckResult[];
  bootToReadySeconds: number | undefined;
  table: string;
}

const MAC = '52:54:00:5c:0c:01';

class Blocked extends Error {}

export async function runAcceptance(options: AcceptanceOptions): Promise<AcceptanceReport> {
  await rm(options.workDir, { recursive: true, force: true });
  await mkdir(options.workDir, { recursive: true });
  const log = join(options.workDir, 'test.log');
  const key = await generateSshKey(options.workDir, log);
  const apiKey = `sk-imagetest${randomBytes(18).toString('hex')}`;
  const [httpsPort, sshPort] = [await freePort(), await freePort()];
  const ssh = new Ssh(key, sshPort);
  const ctx = (extra: ContextVars) => testContextVars({ apiKey, sshPublicKey: key.publicKey, mac: MAC, extra });
  const iso = async (n: number, extra: ContextVars) => {
    const path = join(options.workDir, `context-${n}.iso`);
    await writeContextIso(join(options.workDir, `context-${n}`), path, ctx(extra), log);
    return path;
  };
  const vm = new QemuVm({
    image: options.image,
    overlay: join(options.workDir, 'disk-overlay.qcow2'),
    contextIso: await iso(1, {}),
    serialLog: join(options.workDir, 'serial.log'),
    monitorSocket: join(options.workDir, 'monitor.sock'),
    accel: options.accel,
    cpus: options.cpus,
    memoryMiB: options.memoryMiB,
    mac: MAC,
    httpsPort,
    sshPort,
    log,
  });

  const results: CheckResult[] = [];
  let blockedBy: string | undefined;
  const check = async (name: string, body: () => Promise<string>): Promise<boolean> => {
    if (blockedBy !== undefined) {
      results.push({ name, outcome: 'not run', seconds: 0, detail: `blocked: ${blockedBy}` });
      return false;
    }
    const t0 = performance.now();
    options.write(`… ${name}\n`);
    try {
      const detail = await body();
      results.push({ name, outcome: 'pass', seconds: (performance.now() - t0) / 1000, detail });
      options.write(`  pass: ${detail}\n`);
      return true;
    } catch (error) {
      const message = (error as Error).message;
      results.push({ name, outcome: 'FAIL', seconds: (performance.now() - t0) / 1000, detail: message });
      options.write(`  FAIL: ${message}\n`);
      if (error instanceof Blocked) blockedBy = `${name} failed`;
      return false;
    }
  };

  let cert: PeerCertificate | undefined;
  let bootToReady: number | undefined;
  let model = 'default';
  const engineState = async () => {
    const out = await ssh.check(`systemctl show -p MainPID -p ActiveState ${ENGINE_UNIT_NAME}`);
    const pid = Number(/MainPID=(\d+)/.exec(out)?.[1] ?? 0);
    return { pid, active: /ActiveState=active/.test(out) };
  };
  const status = async () => (await ssh.run(`cat ${PATHS.status}`)).stdout.trim();
  const report = async () => ssh.check(`cat ${PATHS.report}`);
  const stream = async (ca: string) => {
    const s = await streamCompletion(httpsPort, ca, apiKey, model, 120_000);
    if (s.status !== 200 || !s.done || s.chunks === 0)
      throw new Error(`streaming: HTTP ${s.status}, ${s.chunks} chunks, [DONE] ${s.done}: ${s.text}`);
    return s;
  };
  const waitReady = async (what: string): Promise<void> => {
    const deadline = performance.now() + options.bootTimeoutMs;
    let last = 'no SSH yet';
    while (performance.now() < deadline) {
      if (!vm.running) throw new Blocked(`qemu exited; serial log tail:\n${logTail(vm.options.serialLog, 15)}`);
      const st = await ssh.run(`cat ${PATHS.status} 2>/dev/null; echo; cat ${standInPaths.runLog} 2>/dev/null | tail -1`, 20_000);
      if (st.code === 0) {
        last = `status "${st.stdout.split('\n')[0]}"`;
        if (st.stdout.startsWith('bootstrap_success')) {
          try {
            cert = await fetchPeerCertificate(httpsPort);
            const r = await httpsRequest({ port: httpsPort, ca: cert.pem, method: 'GET', path: '/readyz', timeoutMs: 15_000 });
            if (r.status === 200) return;
            last = `/readyz ${r.status}`;
          } catch (e) {
            last = `HTTPS: ${(e as Error).message}`;
          }
        } else if (/_failure/.test(st.stdout)) {
          const logs = await ssh.run(`tail -n 20 ${PATHS.logDir}/*.log`);
          throw new Blocked(`${what}: appliance status ${st.stdout.split('\n')[0]}\n${logs.stdout}`);
        }
      }
      await sleep(5000);
    }
    throw new Blocked(
      `${what}: not ready after ${options.bootTimeoutMs / 1000}s (${last}); serial tail: ${logTail(vm.options.serialLog, 5)}`,
    );
  };
  /** Swaps the context CD and waits for the stand-in to run again (udev first, then an explicit trigger). */
  const recontextualize = async (n: number, extra: ContextVars): Promise<string> => {
    const before = Number((await ssh.check(`wc -l < ${standInPaths.runLog}`)).trim());
    const path = await iso(n, extra);
    await vm.changeCdrom(path);
    let how = 'CD change (udev)';
    const waitRuns = async (ms: number) => {
      const deadline = performance.now() + ms;
      while (performance.now() < deadline) {
        if (Number((await ssh.check(`wc -l < ${standInPaths.runLog}`)).trim()) > before) return true;
        await sleep(3000);
      }
      return false;
    };
    if (!(await waitRuns(90_000))) {
      how = 'explicit reconfigure (no udev event within 90s)';
      await ssh.check('systemctl start one-context-test-stand-in-reconfigure.service', 600_000);
      if (!(await waitRuns(30_000))) throw new Error('contextualization did not run after the CD change');
    }
    return how;
  };

  try {
    await check('boot to ready', async () => {
      await vm.start();
      await waitReady('first boot');
      bootToReady = (performance.now() - vm.startedAt) / 1000;
      return `ready after ${bootToReady.toFixed(1)}s (${options.accel}); cert ${cert!.fingerprint256.slice(0, 23)}…`;
    });
    await check('401 without a key', async () => {
      const r = await httpsRequest({
        port: httpsPort,
        ca: cert!.pem,
        method: 'POST',
        path: '/v1/chat/completions',
        body: { model, messages: [{ role: 'user', content: 'hi' }] },
        timeoutMs: 30_000,
      });
      const wrong = await httpsRequest({
        port: httpsPort,
        ca: cert!.pem,
        method: 'GET',
        path: '/v1/models',
        apiKey: 'sk-wrong-key-0000000000',
        timeoutMs: 30_000,
      });
      if (r.status !== 401 || wrong.status !== 401) throw new Error(`expected 401/401, got ${r.status}/${wrong.status}`);
      const body = JSON.parse(r.body) as { error?: { type?: string } };
      if (body.error === undefined) throw new Error(`401 body is not an OpenAI error: ${r.body.slice(0, 200)}`);
      return `no key → 401 (${body.error.type ?? 'error'}), wrong key → 401`;
    });
    await check('HTTPS streaming with the context key', async () => {
      const models = await httpsRequest({ port: httpsPort, ca: cert!.pem, method: 'GET', path: '/v1/models', apiKey, timeoutMs: 30_000 });
      if (models.status !== 200) throw new Error(`/v1/models → ${models.status}`);
      model = (JSON.parse(models.body) as { data: { id: string }[] }).data[0]?.id ?? model;
      const s = await stream(cert!.pem);
      return `model ${model}: ${s.chunks} chunks, finish_reason ${s.finishReason}, [DONE]`;
    });
    const before = { key: apiKey, fingerprint: '', endpoint: '' };
    await check('report over SSH', async () => {
      const text = await report();
      const mode = (await ssh.check(`stat -c %a ${PATHS.report}`)).trim();
      const endpoint = /https:\/\/[^\s/]+(?::\d+)?\/v1/.exec(text)?.[0];
      const fp = cert!.fingerprint256.replaceAll(':', '').toLowerCase();
      const missing = [
        text.includes(apiKey) ? '' : 'API key',
        endpoint === undefined ? 'endpoint URL' : '',
        text.toLowerCase().replaceAll(':', '').includes(fp) ? '' : 'certificate fingerprint',
        /cline/i.test(text) ? '' : 'Cline settings',
        /continue/i.test(text) ? '' : 'Continue settings',
        mode === '600' ? '' : `mode 600 (is ${mode})`,
      ].filter((m) => m !== '');
      if (missing.length > 0) throw new Error(`report lacks: ${missing.join(', ')}`);
      before.fingerprint = cert!.fingerprint256;
      before.endpoint = endpoint!;
      return `${endpoint}, key and fingerprint present, mode 600, status ${await status()}`;
    });
    await check('reboot keeps key, certificate, endpoint', async () => {
      const bootId = (await ssh.check('cat /proc/sys/kernel/random/boot_id')).trim();
      const t0 = performance.now();
      await ssh.run('systemctl reboot', 15_000);
      const deadline = performance.now() + options.bootTimeoutMs;
      for (;;) {
        if (performance.now() > deadline) throw new Error('VM did not come back after reboot');
        const r = await ssh.run('cat /proc/sys/kernel/random/boot_id', 15_000);
        if (r.code === 0 && r.stdout.trim() !== bootId) break;
        await sleep(5000);
      }
      await waitReady('after reboot');
      const seconds = (performance.now() - t0) / 1000;
      const text = await report();
      const endpoint = /https:\/\/[^\s/]+(?::\d+)?\/v1/.exec(text)?.[0];
      if (cert!.fingerprint256 !== before.fingerprint)
        throw new Error(`certificate changed: ${before.fingerprint} → ${cert!.fingerprint256}`);
      if (endpoint !== before.endpoint) throw new Error(`endpoint changed: ${before.endpoint} → ${endpoint}`);
      if (!text.includes(apiKey)) throw new Error('report no longer shows the key');
      await stream(cert!.pem);
      return `back in ${seconds.toFixed(1)}s; same cert, ${endpoint}, key streams`;
    });
    await check('context change reconfigures without engine restart', async () => {
      const engine = await engineState();
      const how = await recontextualize(2, { ONEAPP_COPILOT_RATE_LIMIT: '7', ONEAPP_COPILOT_RATE_BURST: '14' });
      await waitStatus(ssh, 'bootstrap_success', 300_000);
      const site = await ssh.check(`cat ${PATHS.nginxSite}`);
      if (!site.includes('rate=7r/s')) throw new Error('nginx site does not carry the new rate limit (rate=7r/s)');
      const after = await engineState();
      if (after.pid !== engine.pid || !after.active) throw new Error(`engine restarted: MainPID ${engine.pid} → ${after.pid}`);
      await stream(cert!.pem);
      return `${how}; rate=7r/s live, engine MainPID ${after.pid} unchanged`;
    });
    await check('invalid value keeps the old endpoint serving', async () => {
      const engine = await engineState();
      const siteBefore = await ssh.check(`cat ${PATHS.nginxSite}`);
      const how = await recontextualize(3, { ONEAPP_COPILOT_RATE_LIMIT: 'fast;' });
      await waitStatus(ssh, 'configure_failure', 300_000);
      const text = await report();
      if (!text.includes('ONEAPP_COPILOT_RATE_LIMIT')) throw new Error('report does not name ONEAPP_COPILOT_RATE_LIMIT');
      if ((await ssh.check(`cat ${PATHS.nginxSite}`)) !== siteBefore) throw new Error('the nginx site changed although configure failed');
      const after = await engineState();
      if (after.pid !== engine.pid) throw new Error(`engine restarted: MainPID ${engine.pid} → ${after.pid}`);
      await stream(cert!.pem);
      return `${how}; status configure_failure, report names the variable, old key still streams`;
    });
    await check('killed engine is restarted by systemd', async () => {
      const engine = await engineState();
      await ssh.check(`systemctl kill -s SIGKILL ${ENGINE_UNIT_NAME}`);
      const deadline = performance.now() + options.bootTimeoutMs;
      for (;;) {
        if (performance.now() > deadline) throw new Error('engine not restarted in time');
        const now = await engineState().catch(() => ({ pid: 0, active: false }));
        if (now.active && now.pid !== 0 && now.pid !== engine.pid) break;
        await sleep(2000);
      }
      for (;;) {
        if (performance.now() > deadline) throw new Error('restarted engine never became ready');
        const r = await httpsRequest({ port: httpsPort, ca: cert!.pem, method: 'GET', path: '/readyz', timeoutMs: 15_000 }).catch(() => ({
          status: 0,
        }));
        if (r.status === 200) break;
        await sleep(2000);
      }
      const s = await stream(cert!.pem);
      return `MainPID ${engine.pid} → ${(await engineState()).pid}, streams again (${s.chunks} chunks)`;
    });
  } finally {
    await vm.stop();
  }
  const table = renderResultTable(
    results,
    `VM acceptance (${options.accel}${options.accel === 'tcg' ? ', software emulation' : ''}) — ${options.image}`,
  );
  return { results, bootToReadySeconds: bootToReady, table };
}

async function waitStatus(ssh: Ssh, wanted: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    last = (await ssh.run(`cat ${PATHS.status}`)).stdout.trim();
    if (last === wanted) return;
    await sleep(3000);
  }
  throw new Error(`appliance status is "${last}", expected ${wanted}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
