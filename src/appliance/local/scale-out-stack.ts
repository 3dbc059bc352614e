/**
 * A scale-out service on loopback: a fake OneGate, N engine processes (`serve`, each behind the internal
 * credential, publishing address + READY through `PUT /vm` as an engine VM does) and the edge (a private
 * nginx with the njs route key) fed by the same discovery pass the edge VM runs. `up --engines N`, the
 * routing/failover tests and `bench --scale-out` use it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import { systemCommandRunner } from '../../lib/command-runner.ts';
import { freePort } from '../../lib/free-port.ts';
import { type StartedProcess, startProcess } from '../../lib/process/start-process.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../lib/request-limits.ts';
import type { OneGateAccess } from '../context/context-sources.ts';
import { renderNginxKeyConf } from '../render/nginx-key-conf.ts';
import { renderNginxMainConf } from '../render/nginx-main-conf.ts';
import { NJS_MODULE, renderInternalCredentialConf, renderRouteKeyScript } from '../scale-out/edge-routing.ts';
import { type DiscoveryPassResult, discoveryPass, type EdgeView, emptyEdgeView, renderEdgeMetrics } from '../scale-out/engine-discovery.ts';
import type { RoutingMode } from '../scale-out/engine-upstream.ts';
import { engineOneGateBody, readEngineNodes } from '../scale-out/onegate-service.ts';
import { renderScaleOutSite } from '../scale-out/scale-out-site.ts';
import { type FakeOneGate, startFakeOneGate } from './fake-onegate.ts';

const EDGE_VM_ID = 100;
const FIRST_ENGINE_VM_ID = 101;

export interface ScaleOutStackOptions {
  dir: string;
  engines: number;
  modelPath: string;
  /** How to run this CLI (`<cli> serve …`). */
  cliCommand: readonly string[];
  routing?: RoutingMode;
  /** Requests one engine takes before the hash spills (default: its parallel slots + 1). */
  maxConnsPerEngine?: number;
  threadsPerEngine?: number;
  /** Slots per engine: each keeps one conversation's prefix cached. */
  parallel?: number;
  contextSize?: number;
  publicKey?: string;
  edgePort?: number;
  timeoutSeconds?: number;
  echo?: (line: string) => void;
}

export interface ScaleOutEngine {
  vmId: number;
  port: number;
  address: string;
  proc: StartedProcess | undefined;
}

export interface ScaleOutStack {
  url: string;
  publicKey: string;
  oneGate: FakeOneGate;
  engines: ScaleOutEngine[];
  view(): EdgeView;
  /** One discovery pass, as the edge's timer runs it. */
  discover(): Promise<DiscoveryPassResult>;
  /** Changes the balancing (the bench compares modes on the same engines). */
  setRouting(mode: RoutingMode): Promise<void>;
  killEngine(index: number, signal?: NodeJS.Signals): Promise<void>;
  startEngine(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startScaleOutStack(options: ScaleOutStackOptions): Promise<ScaleOutStack> {
  const dir = options.dir;
  const file = (name: string) => join(dir, name);
  const publicKey = options.publicKey ?? `sk-${randomBytes(24).toString('hex')}`;
  const internalCredential = `int-${randomBytes(24).toString('hex')}`;
  const keyFile = file('engine-keys');
  await writeFileAtomic(keyFile, `${internalCredential}\n`, { mode: 0o600 });
  let routing: RoutingMode = options.routing ?? 'conversation';
  const maxConns = options.maxConnsPerEngine ?? 2;
  const edgePort = options.edgePort ?? (await freePort());
  const oneGate = await startFakeOneGate({
    vmId: String(EDGE_VM_ID),
    roles: { edge: [EDGE_VM_ID], engine: Array.from({ length: options.engines }, (_, i) => FIRST_ENGINE_VM_ID + i) },
  });
  const access: OneGateAccess = { endpoint: oneGate.endpoint, token: oneGate.token, vmId: oneGate.vmId };
  const engines: ScaleOutEngine[] = [];
  for (let i = 0; i < options.engines; i++) {
    const port = await freePort();
    engines.push({ vmId: FIRST_ENGINE_VM_ID + i, port, address: `127.0.0.1:${port}`, proc: undefined });
  }

  const publish = async (engine: ScaleOutEngine, ready: boolean) => {
    const res = await fetch(`${oneGate.endpoint}/vm`, {
      method: 'PUT',
      headers: { 'X-ONEGATE-TOKEN': oneGate.tokenOf(engine.vmId), 'X-ONEGATE-VMID': String(engine.vmId), 'Content-Type': 'text/plain' },
      body: engineOneGateBody({ address: engine.address, ready }),
    });
    if (!res.ok) throw new Error(`fake OneGate refused engine ${engine.vmId}'s PUT /vm: HTTP ${res.status} ${await res.text()}`);
  };

  async function startEngine(index: number): Promise<void> {
    const engine = engines[index];
    if (engine === undefined) throw new Error(`no engine ${index}`);
    const [exe, ...prefix] = options.cliCommand;
    if (exe === undefined) throw new Error('cliCommand is empty');
    const args = [
      ...prefix,
      'serve',
      '--model',
      options.modelPath,
      '--host',
      '127.0.0.1',
      '--port',
      String(engine.port),
      '--threads',
      String(options.threadsPerEngine ?? 1),
      '--api-key-file',
      keyFile,
      ...(options.contextSize !== undefined ? ['--context-size', String(options.contextSize)] : []),
      ...(options.parallel !== undefined ? ['--parallel', String(options.parallel)] : []),
    ];
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['SLM_COPILOT_API_KEY'];
    engine.proc = await startProcess(exe, args, {
      name: `engine ${engine.vmId}`,
      env,
      output: { file: file(`engine-${engine.vmId}.log`) },
    });
    await waitUntil(`engine ${engine.vmId} /readyz`, async () => (await fetch(`http://${engine.address}/readyz`)).status === 200, {
      timeoutMs: 120_000,
      intervalMs: 100,
      retryErrors: true,
      signal: engine.proc.exitSignal,
    });
    // As an engine VM's bootstrap does once its model answers.
    await publish(engine, true);
    options.echo?.(`engine vm ${engine.vmId} ready on ${engine.address}`);
  }

  const nginxConf = file('nginx.conf');
  const nginxArgs = ['-p', dir, '-c', nginxConf];
  const upstreamFile = file('engines-upstream.conf');
  await writeFileAtomic(file('route.js'), renderRouteKeyScript(), { mode: 0o644 });
  await writeFileAtomic(file('engine-credential.conf'), renderInternalCredentialConf(internalCredential), { mode: 0o600 });
  await writeFileAtomic(file('key.conf'), renderNginxKeyConf(publicKey), { mode: 0o600 });
  await writeFileAtomic(
    file('site.conf'),
    renderScaleOutSite({
      listen: `127.0.0.1:${edgePort}`,
      keyConf: file('key.conf'),
      routing: { routeScript: file('route.js'), upstreamFile, credentialConf: file('engine-credential.conf') },
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
      timeoutSeconds: options.timeoutSeconds ?? 300,
      revealEngine: true,
      edgeMetricsFile: file('edge-metrics.prom'),
    }),
    { mode: 0o644 },
  );
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(file(`tmp/${t}`), { recursive: true });
  await writeFileAtomic(
    nginxConf,
    renderNginxMainConf({
      pidFile: file('nginx.pid'),
      errorLog: file('nginx-error.log'),
      tempDir: file('tmp'),
      siteFile: file('site.conf'),
      runAsRoot: process.getuid?.() === 0,
      loadModules: [NJS_MODULE],
    }),
    { mode: 0o644 },
  );

  let view = emptyEdgeView();
  let nginx: StartedProcess | undefined;
  const effects = {
    readEngines: () => readEngineNodes(access),
    probe: async (address: string) => (await fetch(`http://${address}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
    readUpstream: () => readFile(upstreamFile, 'utf8').catch(() => undefined),
    writeUpstream: (text: string) => writeFileAtomic(upstreamFile, text, { mode: 0o644 }),
    checkConfig: async () => void (await systemCommandRunner.run('nginx', ['-t', '-q', ...nginxArgs])),
    reload: async () => {
      if (nginx === undefined) return;
      const before = workerPids(nginx.pid);
      nginx.child.kill('SIGHUP');
      const master = nginx.pid;
      await waitUntil('nginx workers with the new engine list', () => workerPids(master).some((p) => !before.includes(p)), {
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    },
    now: () => new Date(),
  };
  const settings = () => ({ routing, maxConnsPerEngine: maxConns, failTimeoutSeconds: 5 });
  const discover = async () => {
    const result = await discoveryPass(effects, settings(), view);
    view = result.view;
    await writeFileAtomic(file('edge-metrics.prom'), renderEdgeMetrics(view), { mode: 0o644 });
    return result;
  };

  const stack: ScaleOutStack = {
    url: `http://127.0.0.1:${edgePort}`,
    publicKey,
    oneGate,
    engines,
    view: () => view,
    discover,
    async setRouting(mode) {
      routing = mode;
      await discover();
    },
    async killEngine(index, signal = 'SIGKILL') {
      const proc = engines[index]?.proc;
      if (proc === undefined) return;
      proc.child.kill(signal);
      await proc.exited;
    },
    startEngine,
    async stop() {
      await Promise.all([nginx?.stop({ graceMs: 3_000 }), ...engines.map((e) => e.proc?.stop({ graceMs: 3_000 }))]);
      await oneGate.close();
    },
  };
  try {
    for (let i = 0; i < engines.length; i++) await startEngine(i);
    await discover();
    nginx = await startProcess('nginx', nginxArgs, { name: 'nginx (edge)', output: { file: file('nginx.log') } });
    const started = nginx;
    await waitUntil('the edge to answer', async () => (await fetch(`${stack.url}/`)).status === 401, {
      timeoutMs: 10_000,
      intervalMs: 50,
      retryErrors: true,
      signal: started.exitSignal,
    });
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}

function workerPids(master: number): number[] {
  try {
    const text = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
