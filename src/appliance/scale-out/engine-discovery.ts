/**
 * One discovery pass of the edge: read the engines from OneGate, render the upstream, and apply it only
 * when it changed — atomic write, `nginx -t`, reload; on a failed test the previous file is put back so a
 * bad render never takes down a working edge. Keeps the edge's view (engines, state, last change) for the
 * report and /metrics.
 */
import { type EngineUpstreamInput, renderEngineUpstream } from './engine-upstream.ts';
import type { EngineNode } from './onegate-service.ts';

export interface DiscoveryEffects {
  readEngines(): Promise<EngineNode[]>;
  /**
   * The engine answers its readiness route (the edge's own check: an engine killed with -9 cannot take
   * back the READY=YES it published, so OneGate alone would keep routing to it).
   */
  probe(address: string): Promise<boolean>;
  readUpstream(): Promise<string | undefined>;
  /** Writes atomically; returns whether the content changed. */
  writeUpstream(text: string): Promise<boolean>;
  checkConfig(): Promise<void>;
  reload(): Promise<void>;
  now(): Date;
}

export type EngineState = 'routed' | 'not-ready' | 'no-address' | 'unreachable';

export interface EdgeView {
  engines: { vmId: string; name: string; address: string | undefined; state: EngineState; since: string }[];
  lastChange: string | undefined;
  lastError: string | undefined;
  reloads: number;
}

export interface DiscoveryPassResult {
  changed: boolean;
  view: EdgeView;
}

export function engineState(node: EngineNode, reachable: boolean): EngineState {
  if (node.address === undefined) return 'no-address';
  if (!node.ready) return 'not-ready';
  return reachable ? 'routed' : 'unreachable';
}

export function emptyEdgeView(): EdgeView {
  return { engines: [], lastChange: undefined, lastError: undefined, reloads: 0 };
}

export async function discoveryPass(
  effects: DiscoveryEffects,
  settings: Omit<EngineUpstreamInput, 'nodes'>,
  previous: EdgeView,
): Promise<DiscoveryPassResult> {
  const at = effects.now().toISOString();
  let nodes: EngineNode[];
  try {
    nodes = await effects.readEngines();
  } catch (error) {
    // OneGate down: keep routing to what we had; a stale set beats an empty one.
    return { changed: false, view: { ...previous, lastError: `OneGate: ${(error as Error).message}` } };
  }
  const reachable = await Promise.all(
    nodes.map((n) => (n.ready && n.address !== undefined ? effects.probe(n.address).catch(() => false) : Promise.resolve(false))),
  );
  const engines = nodes.map((n, i) => {
    const state = engineState(n, reachable[i] === true);
    const before = previous.engines.find((e) => e.vmId === n.vmId);
    const since = before !== undefined && before.state === state && before.address === n.address ? before.since : at;
    return { vmId: n.vmId, name: n.name, address: n.address, state, since };
  });
  const text = renderEngineUpstream({ ...settings, nodes: nodes.map((n, i) => ({ ...n, ready: n.ready && reachable[i] === true })) });
  const old = await effects.readUpstream();
  if (old === text) return { changed: false, view: { ...previous, engines, lastError: undefined } };
  await effects.writeUpstream(text);
  try {
    await effects.checkConfig();
  } catch (error) {
    if (old !== undefined) await effects.writeUpstream(old);
    return { changed: false, view: { ...previous, engines, lastError: `nginx -t rejected the engine list: ${(error as Error).message}` } };
  }
  await effects.reload();
  return {
    changed: true,
    view: { engines, lastChange: at, lastError: undefined, reloads: previous.reloads + 1 },
  };
}

/** Prometheus text for the edge's view (served on the edge's /metrics next to nginx's own numbers). */
export function renderEdgeMetrics(view: EdgeView): string {
  const lines = [
    '# HELP slm_copilot_edge_engines Engines the edge knows, by state (routed = in the upstream).',
    '# TYPE slm_copilot_edge_engines gauge',
  ];
  for (const state of ['routed', 'not-ready', 'no-address', 'unreachable'] as const) {
    lines.push(`slm_copilot_edge_engines{state="${state}"} ${view.engines.filter((e) => e.state === state).length}`);
  }
  lines.push(
    '# HELP slm_copilot_edge_engine_up 1 when the engine is in the upstream.',
    '# TYPE slm_copilot_edge_engine_up gauge',
    ...view.engines.map((e) => `slm_copilot_edge_engine_up{vm="${e.vmId}",address="${e.address ?? ''}"} ${e.state === 'routed' ? 1 : 0}`),
    '# HELP slm_copilot_edge_reloads_total nginx reloads caused by a changed engine set.',
    '# TYPE slm_copilot_edge_reloads_total counter',
    `slm_copilot_edge_reloads_total ${view.reloads}`,
    '# HELP slm_copilot_edge_last_change_seconds Unix time of the last change of the engine set (0 = none yet).',
    '# TYPE slm_copilot_edge_last_change_seconds gauge',
    `slm_copilot_edge_last_change_seconds ${view.lastChange === undefined ? 0 : Math.floor(Date.parse(view.lastChange) / 1000)}`,
    '',
  );
  return lines.join('\n');
}
