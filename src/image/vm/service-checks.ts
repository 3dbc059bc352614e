/**
 * The scale-out service checks, in order, against one edge VM and one engine VM of the test image on a
 * private L2 segment, both reporting to one strict fake OneGate that serves them as a OneFlow service.
 * Each returns a one-line detail for the result table or throws; `blocking` ones stop the rest.
 */
import { ENGINE_UNIT_NAME, SYSTEM_PROFILE } from '../../appliance/layout.ts';
import { requestText } from '../../lib/https/request.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';
import type { GuestOneGate } from './guest-onegate.ts';
import { fetchPeerCertificate } from './peer-certificate.ts';
import type { ServiceVm } from './service-vm.ts';

export interface ServiceUnderTest {
  edge: ServiceVm;
  engine: ServiceVm;
  oneGate: GuestOneGate;
  apiKey: string;
  /** What the edge presents to the engine (derived from the API key on both VMs). */
  credential: string;
  bootTimeoutMs: number;
  /** The model id the edge lists once it routes to the engine. */
  model: string;
}

export interface ServiceCheck {
  name: string;
  blocking: boolean;
  run(s: ServiceUnderTest): Promise<string>;
}

const ENGINE_UPSTREAM = '/etc/nginx/slm-copilot/engines-upstream.conf';
const engineAddress = (s: ServiceUnderTest) => `${s.engine.spec.privateIp}:${SYSTEM_PROFILE.enginePort}`;

/** From inside `vm`: the HTTP status of GET url with a bearer token (000 when nothing answers). */
async function statusFrom(vm: ServiceVm, url: string, bearer: string): Promise<string> {
  const out = await vm.ssh.check(`curl -s -m 20 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer ${bearer}' '${url}' || true`);
  return out.trim();
}

async function engineGeneratedTokens(s: ServiceUnderTest): Promise<number> {
  const metrics = await s.engine.ssh.check(
    `curl -sf -m 20 -H 'Authorization: Bearer ${s.credential}' 'http://${engineAddress(s)}/metrics'`,
  );
  const line = /^slm_generated_tokens_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m.exec(metrics);
  if (line === null) throw new Error(`the engine's /metrics has no slm_generated_tokens_total:\n${metrics.slice(0, 400)}`);
  return Number(line[1]);
}

export const SERVICE_CHECKS: readonly ServiceCheck[] = [
  {
    name: 'edge and engine VMs boot to bootstrap_success',
    blocking: true,
    async run(s) {
      // The edge listens on the private segment's socket; the engine connects to it, so the edge starts first.
      await s.edge.start();
      await s.engine.start();
      const [edge, engine] = await Promise.all([s.edge.waitBootstrapped(s.bootTimeoutMs), s.engine.waitBootstrapped(s.bootTimeoutMs)]);
      return `edge ${edge.toFixed(0)}s, engine ${engine.toFixed(0)}s from QEMU start`;
    },
  },
  {
    name: 'engine publishes READY and its private address (PUT /vm)',
    blocking: true,
    async run(s) {
      const vmId = s.engine.spec.vmId;
      const published = await s.oneGate.wait(
        'the engine to publish READY=YES and its address',
        () => {
          const t = s.oneGate.fake.userTemplateOf(vmId);
          return t['READY'] === 'YES' && t['ONEAPP_COPILOT_ENGINE_ADDRESS'] !== undefined ? t : undefined;
        },
        { timeoutMs: 300_000, ...(s.engine.vm.exitSignal ? { signal: s.engine.vm.exitSignal } : {}) },
      );
      if (published['ONEAPP_COPILOT_ENGINE_ADDRESS'] !== engineAddress(s))
        throw new Error(`published ${published['ONEAPP_COPILOT_ENGINE_ADDRESS']}, expected the private NIC's ${engineAddress(s)}`);
      // Local address column of each listening socket on the engine port: only the private address.
      const listening = (await s.engine.ssh.check(`ss -Hltn 'sport = :${SYSTEM_PROFILE.enginePort}'`))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => l.trim().split(/\s+/)[3] ?? '');
      if (listening.length === 0 || listening.some((local) => local !== engineAddress(s)))
        throw new Error(`the engine must listen on ${engineAddress(s)} only; it listens on ${listening.join(', ') || 'nothing'}`);
      return `VM ${vmId}: READY=YES, ONEAPP_COPILOT_ENGINE_ADDRESS=${engineAddress(s)}; listens there only`;
    },
  },
  {
    name: 'edge discovers the engine (GET /service → upstream)',
    blocking: true,
    async run(s) {
      let upstream = '';
      await waitUntil(
        "the engine's address in the edge's upstream",
        async () => {
          upstream = await s.edge.ssh.check(`cat ${ENGINE_UPSTREAM} 2>/dev/null || true`);
          return upstream.includes(engineAddress(s));
        },
        {
          timeoutMs: 180_000,
          intervalMs: 3000,
          state: () => upstream.trim().slice(0, 300),
          ...(s.edge.vm.exitSignal ? { signal: s.edge.vm.exitSignal } : {}),
        },
      );
      const reads = s.oneGate.fake.calls.filter(
        (c) => c.method === 'GET' && c.url === '/service' && c.status === 200 && c.headers['x-onegate-vmid'] === s.edge.spec.vmId,
      );
      if (reads.length === 0) throw new Error('the upstream names the engine but the edge never read GET /service');
      // The file is written before `nginx -t` and the reload: served once /v1/models answers through the edge.
      const cert = await fetchPeerCertificate(s.edge.httpsPort);
      const written = performance.now();
      let last = '';
      const models = await waitUntil(
        'GET /v1/models through the edge to answer 200',
        async () => {
          const res = await requestText({
            url: `https://127.0.0.1:${s.edge.httpsPort}/v1/models`,
            method: 'GET',
            headers: { authorization: `Bearer ${s.apiKey}` },
            ca: cert.pem,
            timeoutMs: 60_000,
          });
          last = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
          return res.status === 200 ? res.body : undefined;
        },
        {
          timeoutMs: 120_000,
          intervalMs: 3000,
          retryErrors: true,
          state: () => last,
          ...(s.edge.vm.exitSignal ? { signal: s.edge.vm.exitSignal } : {}),
        },
      );
      s.model = (JSON.parse(models) as { data?: { id?: string }[] }).data?.[0]?.id ?? s.model;
      const served = ((performance.now() - written) / 1000).toFixed(0);
      return `${ENGINE_UPSTREAM} routes to ${engineAddress(s)} after ${reads.length} GET /service; /v1/models through the edge lists ${s.model} ${served}s later`;
    },
  },
  {
    name: 'chat completion through the edge, answered by the engine VM',
    blocking: false,
    async run(s) {
      const edgeEngine = (await s.edge.ssh.run(`systemctl is-active ${ENGINE_UNIT_NAME}`)).stdout.trim();
      if (edgeEngine === 'active') throw new Error('the edge runs an engine of its own; the answer would not prove routing');
      const cert = await fetchPeerCertificate(s.edge.httpsPort);
      const before = await engineGeneratedTokens(s);
      const ask = (key: string) =>
        requestText({
          url: `https://127.0.0.1:${s.edge.httpsPort}/v1/chat/completions`,
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: s.model, max_tokens: 16, messages: [{ role: 'user', content: 'Say hello.' }] }),
          ca: cert.pem,
          timeoutMs: 180_000,
        });
      const refused = await ask(`${s.apiKey}x`);
      if (refused.status !== 401) throw new Error(`a wrong key got HTTP ${refused.status} at the edge, expected 401`);
      const res = await ask(s.apiKey);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      const body = JSON.parse(res.body) as { choices?: { message?: { content?: string } }[]; usage?: { completion_tokens?: number } };
      const content = body.choices?.[0]?.message?.content ?? '';
      const generated = body.usage?.completion_tokens ?? 0;
      if (content.trim() === '' || generated === 0) throw new Error(`empty answer: ${res.body.slice(0, 300)}`);
      const after = await engineGeneratedTokens(s);
      if (after - before < generated)
        throw new Error(`the engine VM generated ${after - before} tokens meanwhile, the answer has ${generated}: not answered there`);
      return `200 "${content.trim().slice(0, 50)}" (${generated} tokens, engine VM's counter +${after - before}); wrong key 401`;
    },
  },
  {
    name: "the public key is refused at the engine's address",
    blocking: false,
    async run(s) {
      const url = `http://${engineAddress(s)}/v1/models`;
      const withKey = await statusFrom(s.edge, url, s.apiKey);
      const withCredential = await statusFrom(s.edge, url, s.credential);
      if (withCredential !== '200') throw new Error(`from the edge VM, the internal credential got ${withCredential} (expected 200)`);
      if (withKey !== '401') throw new Error(`from the edge VM, the public key got ${withKey} at ${url} (expected 401)`);
      return `from the edge VM over the private NIC: public key 401, internal credential 200`;
    },
  },
  {
    name: 'neither key nor credential in OneGate traffic',
    blocking: false,
    async run(s) {
      const calls = s.oneGate.fake.calls;
      const leaks = calls.filter((c) =>
        [s.apiKey, s.credential].some(
          (secret) => c.body.includes(secret) || c.url.includes(secret) || JSON.stringify(c.headers).includes(secret),
        ),
      );
      if (leaks.length > 0)
        throw new Error(`${leaks.length} OneGate calls carry a secret: ${leaks.map((c) => `${c.method} ${c.url}`).join(', ')}`);
      const fromEngine = calls.filter((c) => c.headers['x-onegate-vmid'] === s.engine.spec.vmId).length;
      const fromEdge = calls.filter((c) => c.headers['x-onegate-vmid'] === s.edge.spec.vmId).length;
      if (fromEngine === 0 || fromEdge === 0)
        throw new Error(`OneGate heard edge ${fromEdge} and engine ${fromEngine} times: a check that cannot fail`);
      return `${calls.length} calls (edge ${fromEdge}, engine ${fromEngine}): none carries the key or the credential`;
    },
  },
];
