/**
 * What an operator relies on, checked from the host against a booted test image, in order: each check
 * builds on the VM state the ones before it left. `acceptance-suite.ts` runs them as node:test tests.
 */
import { ENGINE_UNIT_NAME, PATHS } from '../../appliance/layout.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';
import { ONEGATE_NO_READY_CHECK, ONEGATE_PUBLISHED_CHECK, ONEGATE_READY_CHECK } from './onegate-checks.ts';
import type { VmSession } from './vm-session.ts';

export interface AcceptanceCheck {
  name: string;
  /** Returns a one-line detail for the result table; throws on failure (`Blocked`: the checks after it cannot run). */
  run(vm: VmSession): Promise<string>;
}

const ENDPOINT = /https:\/\/[^\s/]+(?::\d+)?\/v1/;

/** A prompt long enough for the prefix cache (≥ 32 tokens); its cached_tokens after a reboot show the restore. */
async function warmPrompt(vm: VmSession): Promise<{ prompt: number; cached: number }> {
  const system = 'You are a coding agent. Keep edits minimal and explain each change. '.repeat(12);
  const res = await vm.https('POST', '/v1/chat/completions', {
    body: {
      model: vm.model,
      max_tokens: 4,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: 'List the files.' },
      ],
    },
    timeoutMs: 300_000,
  });
  if (res.status !== 200) throw new Error(`chat: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const usage = (JSON.parse(res.body) as { usage?: { prompt_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } } }).usage;
  return { prompt: usage?.prompt_tokens ?? 0, cached: usage?.prompt_tokens_details?.cached_tokens ?? 0 };
}

export const ACCEPTANCE_CHECKS: readonly AcceptanceCheck[] = [
  {
    name: 'boot to ready',
    async run(vm) {
      await vm.boot();
      return `ready after ${vm.bootToReadySeconds!.toFixed(1)}s (${vm.options.accel}); cert ${vm.cert!.fingerprint256.slice(0, 23)}…`;
    },
  },
  ONEGATE_READY_CHECK,
  {
    name: '401 without a key',
    async run(vm) {
      const none = await vm.https('POST', '/v1/chat/completions', {
        key: false,
        body: { model: vm.model, messages: [{ role: 'user', content: 'hi' }] },
      });
      const wrong = await vm.https('GET', '/v1/models', { key: 'sk-wrong-key-0000000000' });
      if (none.status !== 401 || wrong.status !== 401) throw new Error(`expected 401/401, got ${none.status}/${wrong.status}`);
      const body = JSON.parse(none.body) as { error?: { type?: string } };
      if (body.error === undefined) throw new Error(`401 body is not an OpenAI error: ${none.body.slice(0, 200)}`);
      return `no key → 401 (${body.error.type ?? 'error'}), wrong key → 401`;
    },
  },
  {
    name: 'HTTPS streaming with the context key',
    async run(vm) {
      const models = await vm.https('GET', '/v1/models');
      if (models.status !== 200) throw new Error(`/v1/models → ${models.status}`);
      vm.model = (JSON.parse(models.body) as { data: { id: string }[] }).data[0]?.id ?? vm.model;
      const s = await vm.stream();
      return `model ${vm.model}: ${s.contentDeltas} content deltas, finish_reason ${s.finishReason}, [DONE]`;
    },
  },
  {
    name: 'report over SSH',
    async run(vm) {
      const text = await vm.report();
      const mode = (await vm.ssh.check(`stat -c %a ${PATHS.report}`)).trim();
      const endpoint = ENDPOINT.exec(text)?.[0];
      const fingerprint = vm.cert!.fingerprint256.replaceAll(':', '').toLowerCase();
      const missing = [
        text.includes(vm.apiKey) ? '' : 'API key',
        endpoint === undefined ? 'endpoint URL' : '',
        text.toLowerCase().replaceAll(':', '').includes(fingerprint) ? '' : 'certificate fingerprint',
        /cline/i.test(text) ? '' : 'Cline settings',
        /continue/i.test(text) ? '' : 'Continue settings',
        mode === '600' ? '' : `mode 600 (is ${mode})`,
      ].filter((m) => m !== '');
      if (missing.length > 0) throw new Error(`report lacks: ${missing.join(', ')}`);
      vm.baseline = { fingerprint: vm.cert!.fingerprint256, endpoint: endpoint! };
      return `${endpoint}, key and fingerprint present, mode 600, status ${await vm.status()}`;
    },
  },
  ONEGATE_PUBLISHED_CHECK,
  {
    name: 'reboot keeps key, certificate, endpoint, warm prefixes',
    async run(vm) {
      const first = await warmPrompt(vm);
      const t0 = performance.now();
      await vm.reboot();
      const seconds = (performance.now() - t0) / 1000;
      const text = await vm.report();
      const endpoint = ENDPOINT.exec(text)?.[0];
      if (vm.cert!.fingerprint256 !== vm.baseline.fingerprint)
        throw new Error(`certificate changed: ${vm.baseline.fingerprint} → ${vm.cert!.fingerprint256}`);
      if (endpoint !== vm.baseline.endpoint) throw new Error(`endpoint changed: ${vm.baseline.endpoint} → ${endpoint}`);
      if (!text.includes(vm.apiKey)) throw new Error('report no longer shows the key');
      await vm.stream();
      const files = (await vm.ssh.check(`ls ${PATHS.prefixCacheDir}`)).split('\n').filter((n) => n.endsWith('.state')).length;
      const again = await warmPrompt(vm);
      if (again.cached < first.prompt / 2) {
        throw new Error(
          `prefix cache not restored: ${again.cached} of ${again.prompt} prompt tokens cached after the reboot (${files} entries on disk)`,
        );
      }
      return `back in ${seconds.toFixed(1)}s; same cert, ${endpoint}, key streams; ${again.cached}/${again.prompt} prompt tokens from the prefix cache (${files} entries)`;
    },
  },
  {
    name: 'context change reconfigures without engine restart',
    async run(vm) {
      const engine = await vm.engineState();
      const how = await vm.recontextualize(2, { ONEAPP_COPILOT_LIMIT_RATE: '7', ONEAPP_COPILOT_LIMIT_BURST: '14' });
      await vm.waitStatus('bootstrap_success', 300_000);
      const site = await vm.ssh.check(`cat ${PATHS.nginxSite}`);
      if (!site.includes('rate=7r/s')) throw new Error('nginx site does not carry the new rate limit (rate=7r/s)');
      const after = await vm.engineState();
      if (after.pid !== engine.pid || !after.active) throw new Error(`engine restarted: MainPID ${engine.pid} → ${after.pid}`);
      await vm.stream();
      return `${how}; rate=7r/s live, engine MainPID ${after.pid} unchanged`;
    },
  },
  {
    name: 'invalid value keeps the old endpoint serving',
    async run(vm) {
      const engine = await vm.engineState();
      const siteBefore = await vm.ssh.check(`cat ${PATHS.nginxSite}`);
      const how = await vm.recontextualize(3, { ONEAPP_COPILOT_LIMIT_RATE: 'fast;' });
      await vm.waitStatus('configure_failure', 300_000);
      if (!(await vm.report()).includes('ONEAPP_COPILOT_LIMIT_RATE')) throw new Error('report does not name ONEAPP_COPILOT_LIMIT_RATE');
      if ((await vm.ssh.check(`cat ${PATHS.nginxSite}`)) !== siteBefore)
        throw new Error('the nginx site changed although configure failed');
      const after = await vm.engineState();
      if (after.pid !== engine.pid) throw new Error(`engine restarted: MainPID ${engine.pid} → ${after.pid}`);
      await vm.stream();
      return `${how}; status configure_failure, report names the variable, old key still streams`;
    },
  },
  ONEGATE_NO_READY_CHECK,
  {
    name: 'killed engine is restarted by systemd',
    async run(vm) {
      const engine = await vm.engineState();
      await vm.ssh.check(`systemctl kill -s SIGKILL ${ENGINE_UNIT_NAME}`);
      const deadline = performance.now() + vm.options.bootTimeoutMs;
      const left = () => Math.max(0, deadline - performance.now());
      const restarted = await waitUntil(
        'systemd to restart the killed engine',
        async () => {
          const now = await vm.engineState().catch(() => ({ pid: 0, active: false }));
          return now.active && now.pid !== 0 && now.pid !== engine.pid ? now : undefined;
        },
        { timeoutMs: left(), intervalMs: 2000, signal: vm.vm.exitSignal },
      );
      await waitUntil(
        'the restarted engine to answer /readyz',
        async () => (await vm.https('GET', '/readyz', { key: false, timeoutMs: 15_000 })).status === 200,
        {
          timeoutMs: left(),
          intervalMs: 2000,
          retryErrors: true,
          signal: vm.vm.exitSignal,
        },
      );
      const s = await vm.stream();
      return `MainPID ${engine.pid} → ${restarted.pid}, streams again (${s.contentDeltas} content deltas)`;
    },
  },
];
