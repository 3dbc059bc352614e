/**
 * The edge's upstream block over the service's engines. Pure: nodes in, nginx text out. Only ready
 * engines with a well-formed published address become `server` lines, in VM-id order, so the same
 * service state renders the same bytes and the edge reloads only when the set really changed.
 *
 * Routing (see docs/scale-out.md):
 * - `conversation`: `hash $slm_copilot_route_key consistent` keeps a conversation on the engine that holds
 *   its prompt prefix; `max_conns` bounds each engine, and nginx's consistent hash skips a full engine and
 *   takes the next one on the ring (bounded load), `proxy_next_upstream` moves on from a dead one.
 * - `round-robin` and `least-conn`: the cache-blind baselines the bench compares against.
 */
import { type EngineNode, isEngineAddress } from './onegate-service.ts';

export const ENGINE_UPSTREAM = 'slm_copilot_engines';
/**
 * Same engines without the bound: when every engine is at max_conns nginx answers 502 at once; the edge
 * sends that request here instead, to queue on the least busy engine (the engines' own queue bounds it).
 */
export const OVERFLOW_UPSTREAM = 'slm_copilot_engines_overflow';
export const ROUTE_KEY_VARIABLE = '$slm_copilot_route_key';
export const ROUTING_MODES = ['conversation', 'round-robin', 'least-conn'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface EngineUpstreamInput {
  nodes: readonly EngineNode[];
  routing: RoutingMode;
  /** Concurrent requests one engine takes before the hash spills to the next (its slots + queue). */
  maxConnsPerEngine: number;
  /** How long a failed engine is skipped before nginx tries it again (discovery usually drops it first). */
  failTimeoutSeconds: number;
}

export function routedEngines(nodes: readonly EngineNode[]): (EngineNode & { address: string })[] {
  return nodes.filter((n): n is EngineNode & { address: string } => n.ready && n.address !== undefined && isEngineAddress(n.address));
}

export function renderEngineUpstream(input: EngineUpstreamInput): string {
  if (!Number.isInteger(input.maxConnsPerEngine) || input.maxConnsPerEngine < 1)
    throw new Error('maxConnsPerEngine must be an integer ≥ 1');
  const engines = routedEngines(input.nodes);
  const balance =
    input.routing === 'conversation'
      ? [`    hash ${ROUTE_KEY_VARIABLE} consistent;`]
      : input.routing === 'least-conn'
        ? ['    least_conn;']
        : [];
  const servers =
    engines.length > 0
      ? engines.map(
          (e) =>
            `    server ${e.address} max_conns=${input.maxConnsPerEngine} max_fails=1 fail_timeout=${input.failTimeoutSeconds}s; # vm ${e.vmId} ${sanitizeComment(e.name)}`,
        )
      : // nginx needs one server; a `down` one makes every request a fast 502 ("no engine ready") instead of a hang.
        ['    server 127.0.0.1:9 down; # no engine is ready'];
  const overflowServers =
    engines.length > 0
      ? engines.map((e) => `    server ${e.address} max_fails=1 fail_timeout=${input.failTimeoutSeconds}s;`)
      : ['    server 127.0.0.1:9 down; # no engine is ready'];
  return [
    '# SLM-Copilot engines, from OneGate. Written by the edge discovery; local edits are overwritten.',
    `upstream ${ENGINE_UPSTREAM} {`,
    ...balance,
    ...servers,
    '    keepalive 16;',
    '}',
    '',
    `upstream ${OVERFLOW_UPSTREAM} {`,
    '    least_conn;',
    ...overflowServers,
    '    keepalive 16;',
    '}',
    '',
  ].join('\n');
}

function sanitizeComment(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
}
