/**
 * An engine VM's side of discovery and elasticity: it asks its own engine (readiness, queue depth, busy
 * slots from /metrics) and publishes that with its private address through OneGate (`PUT /vm`, the body
 * `onegate vm update --data` sends). OneFlow's elasticity expressions average these attributes over the
 * role; the edge reads address and readiness. Never a key or credential.
 */
import { z } from 'zod';
import type { OneGateAccess } from '../context/context-sources.ts';
import { engineOneGateBody, type FetchLike } from './onegate-service.ts';

export interface EngineLoad {
  ready: boolean;
  /** Requests waiting for a slot; undefined when /metrics did not answer. */
  queue: number | undefined;
  busy: number | undefined;
}

export const enginePublicationSchema = z.object({
  publishedAt: z.string(),
  address: z.string(),
  ready: z.boolean(),
  queue: z.number().optional(),
  busy: z.number().optional(),
  /** Why the last publication failed (OneGate unreachable, 401 …); absent when it went through. */
  error: z.string().optional(),
});
export type EnginePublication = z.infer<typeof enginePublicationSchema>;

/** One gauge from Prometheus text (`name value`, no labels); undefined when absent or not a number. */
export function gaugeValue(text: string, name: string): number | undefined {
  const m = new RegExp(`^${name} ([0-9.eE+-]+)$`, 'm').exec(text);
  const n = m === null ? NaN : Number(m[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** Readiness and load of the engine at `address` (its /metrics may need the key it accepts). */
export async function readEngineLoad(address: string, engineKey: string, fetchImpl: FetchLike = fetch): Promise<EngineLoad> {
  const get = (path: string) =>
    fetchImpl(`http://${address}${path}`, {
      method: 'GET',
      headers: { Authorization: `Bearer ${engineKey}` },
      signal: AbortSignal.timeout(3_000),
    });
  const ready = await get('/readyz')
    .then((r) => r.status === 200)
    .catch(() => false);
  const metrics = await get('/metrics')
    .then(async (r) => (r.ok ? await r.text() : ''))
    .catch(() => '');
  return { ready, queue: gaugeValue(metrics, 'slm_queue_depth'), busy: gaugeValue(metrics, 'slm_busy_slots') };
}

export async function publishEngine(access: OneGateAccess, address: string, load: EngineLoad, fetchImpl: FetchLike = fetch): Promise<void> {
  const res = await fetchImpl(`${access.endpoint}/vm`, {
    method: 'PUT',
    headers: { 'X-ONEGATE-TOKEN': access.token, 'X-ONEGATE-VMID': access.vmId, 'Content-Type': 'text/plain' },
    body: engineOneGateBody({ address, ...load }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`OneGate PUT /vm answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
