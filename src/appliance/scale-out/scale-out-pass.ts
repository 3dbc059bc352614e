/**
 * One scale-out pass of a service VM (`slm-copilot scale-out`, run by slm-copilot-scale-out.timer and
 * once by bootstrap): the edge re-reads its engines from OneGate (discoveryPass: render, `nginx -t`,
 * reload only on change) and keeps its view; an engine publishes its address, readiness and load. The
 * role comes from the state configure wrote, OneGate's coordinates from one_env. When what the report
 * shows changed, the report is rewritten (only after a successful bootstrap: a failed stage's report
 * keeps its errors).
 */

import { hostPort } from '../../lib/host-port.ts';
import { readEngineKey } from '../api-key.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { resolveAliases } from '../context/context-aliases.ts';
import { oneGateAccess } from '../context/context-sources.ts';
import { PATHS } from '../layout.ts';
import { writeReport } from '../report/write-report.ts';
import type { ApplianceEnv } from '../stage/appliance-env.ts';
import { readState } from '../stage/appliance-state.ts';
import { readStatus } from '../stage/status-file.ts';
import { EDGE_ROUTING } from './edge-settings.ts';
import { type DiscoveryEffects, discoveryPass, type EdgeView, emptyEdgeView, renderEdgeMetrics } from './engine-discovery.ts';
import { type EnginePublication, publishEngine, readEngineLoad } from './engine-publication.ts';
import { type FetchLike, readEngineNodes } from './onegate-service.ts';
import { readEdgeView, readEnginePublication } from './scale-out-state.ts';

export type ScaleOutPassResult =
  | { role: 'standalone' }
  | { role: 'edge'; changed: boolean; view: EdgeView }
  | { role: 'engine'; publication: EnginePublication };

export type ScaleOutPassEnv = Pick<ApplianceEnv, 'fs' | 'services' | 'raw' | 'now' | 'cpuinfo' | 'sshTarget'> & {
  fetchImpl?: FetchLike;
};

export async function runScaleOutPass(env: ScaleOutPassEnv): Promise<ScaleOutPassResult> {
  const { fs } = env;
  const state = await readState(fs);
  if (state === undefined) throw new Error('no configuration found: run configure first');
  const role = state.role ?? 'standalone';
  if (role === 'standalone') return { role };
  const access = oneGateAccess(env.raw);
  const requireAccess = () => {
    if (access === undefined) throw new Error('no OneGate token (the VM template needs TOKEN="YES")');
    return access;
  };
  const fetchImpl = env.fetchImpl ?? fetch;
  const reportBefore = await reportFacts(fs);

  let result: ScaleOutPassResult;
  if (role === 'engine') {
    const address = hostPort(state.engine.host, state.engine.port);
    const engineKey = (await readEngineKey(fs)) ?? '';
    const load = await readEngineLoad(address, engineKey, fetchImpl);
    const publication: EnginePublication = {
      publishedAt: env.now().toISOString(),
      address,
      ready: load.ready,
      ...(load.queue !== undefined ? { queue: load.queue } : {}),
      ...(load.busy !== undefined ? { busy: load.busy } : {}),
    };
    try {
      await publishEngine(requireAccess(), address, load, fetchImpl);
    } catch (error) {
      publication.error = (error as Error).message;
    }
    await fs.write(PATHS.enginePublication, `${JSON.stringify(publication, null, 2)}\n`, 0o644);
    result = { role, publication };
  } else {
    const previous = (await readEdgeView(fs)) ?? emptyEdgeView();
    const effects: DiscoveryEffects = {
      readEngines: async () => readEngineNodes(requireAccess(), fetchImpl),
      probe: async (address) =>
        (await fetchImpl(`http://${address}/readyz`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(2_000) })).status === 200,
      readUpstream: () => fs.readText(PATHS.nginxEngineUpstream),
      writeUpstream: (text) => fs.write(PATHS.nginxEngineUpstream, text, 0o644),
      checkConfig: () => env.services.checkEdgeConfig(),
      reload: () => env.services.reload('nginx'),
      now: env.now,
    };
    const pass = await discoveryPass(effects, EDGE_ROUTING, previous);
    await fs.write(PATHS.edgeView, `${JSON.stringify(pass.view, null, 2)}\n`, 0o644);
    await fs.write(PATHS.edgeMetrics, renderEdgeMetrics(pass.view), 0o644);
    result = { role, changed: pass.changed, view: pass.view };
  }

  if ((await reportFacts(fs)) !== reportBefore && (await readStatus(fs)) === 'bootstrap_success') {
    await writeReport(fs, {
      issues: [],
      cpuinfo: env.cpuinfo,
      now: env.now(),
      sshTarget: env.sshTarget,
      renamed: resolveAliases(env.raw).notices,
    });
  }
  return result;
}

/** What the report's [Scale-out] section shows, minus timestamps that change every pass. */
async function reportFacts(fs: ApplianceFs): Promise<string> {
  const view = await readEdgeView(fs);
  const publication = await readEnginePublication(fs);
  return JSON.stringify({
    view: view === undefined ? undefined : { ...view, reloads: undefined },
    publication: publication === undefined ? undefined : { ...publication, publishedAt: undefined, queue: undefined, busy: undefined },
  });
}
