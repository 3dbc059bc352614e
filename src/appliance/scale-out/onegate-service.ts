/**
 * The edge's view of the service, read from OneGate (`GET <endpoint>/service`, what `onegate service show
 * --json` prints): `{SERVICE: {name, id, state, roles: [{name, cardinality, nodes: [{deploy_id, running,
 * vm_info: {VM: {ID, NAME, USER_TEMPLATE}}}]}]}}`. Engines publish their address and readiness into their
 * USER_TEMPLATE with `PUT /vm` (engineOneGateBody), so the edge needs no second request per VM.
 */
import { z } from 'zod';
import type { OneGateAccess } from '../context/context-sources.ts';

export const ENGINE_ROLE = 'engine';
/** USER_TEMPLATE attributes an engine publishes (never a key or credential). */
export const ENGINE_ADDRESS_ATTRIBUTE = 'ONEAPP_COPILOT_ENGINE_ADDRESS';
export const ENGINE_QUEUE_ATTRIBUTE = 'ONEAPP_COPILOT_ENGINE_QUEUE';
/** Slots generating or evaluating a prompt (with the queue, what OneFlow's elasticity averages). */
export const ENGINE_BUSY_ATTRIBUTE = 'ONEAPP_COPILOT_ENGINE_BUSY';

// OneGate renders the VM's XML as JSON: every scalar is a string, single children are not arrays.
const scalar = z.union([z.string(), z.number()]).transform(String);
const nodeSchema = z.object({
  deploy_id: scalar.optional(),
  running: z.union([z.boolean(), z.string(), z.null()]).optional(),
  vm_info: z
    .object({
      VM: z.object({
        ID: scalar,
        NAME: z.string().optional(),
        USER_TEMPLATE: z.record(z.string(), z.unknown()).optional(),
      }),
    })
    .optional(),
});
const roleSchema = z.object({ name: z.string(), cardinality: z.number().optional(), nodes: z.array(nodeSchema).optional() });
const serviceSchema = z.object({
  SERVICE: z.object({ name: z.string().optional(), id: scalar.optional(), roles: z.array(roleSchema).optional() }),
});

export interface EngineNode {
  vmId: string;
  name: string;
  /** host:port on the private network, as the engine published it; undefined = not published yet. */
  address: string | undefined;
  /** The engine said READY=YES (it loaded its model and answers /readyz). */
  ready: boolean;
  /** Requests waiting in its queue, as last published (elasticity input); undefined = not published. */
  queue: number | undefined;
}

// IPv4 or bracketed IPv6, then a port: the only shape that may reach an nginx `server` line.
const ADDRESS_RE =
  /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|\[[0-9A-Fa-f:.]{2,45}\]):(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/;

export function isEngineAddress(value: string): boolean {
  return ADDRESS_RE.test(value);
}

/** The engine role's VMs from a `GET /service` answer; anything malformed is an error naming the field. */
export function engineNodesFromService(json: unknown): EngineNode[] {
  const parsed = serviceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`OneGate /service answer is not a service: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  const role = parsed.data.SERVICE.roles?.find((r) => r.name === ENGINE_ROLE);
  const nodes: EngineNode[] = [];
  for (const node of role?.nodes ?? []) {
    const vm = node.vm_info?.VM;
    if (vm === undefined) continue;
    const attrs = vm.USER_TEMPLATE ?? {};
    const text = (key: string) => (typeof attrs[key] === 'string' ? (attrs[key] as string).trim() : undefined);
    const address = text(ENGINE_ADDRESS_ATTRIBUTE);
    const queue = Number(text(ENGINE_QUEUE_ATTRIBUTE));
    nodes.push({
      vmId: vm.ID,
      name: vm.NAME ?? `vm-${vm.ID}`,
      // A published value that is not host:port is treated as unpublished: it never reaches nginx.
      address: address !== undefined && isEngineAddress(address) ? address : undefined,
      ready: text('READY') === 'YES',
      queue: Number.isInteger(queue) && queue >= 0 ? queue : undefined,
    });
  }
  return nodes.sort((a, b) => Number(a.vmId) - Number(b.vmId) || a.vmId.localeCompare(b.vmId));
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<Response>;

/** `GET /service` with the VM's token headers (OneGate answers 401 without them). */
export async function readEngineNodes(access: OneGateAccess, fetchImpl: FetchLike = fetch, timeoutMs = 10_000): Promise<EngineNode[]> {
  const res = await fetchImpl(`${access.endpoint}/service`, {
    method: 'GET',
    headers: { 'X-ONEGATE-TOKEN': access.token, 'X-ONEGATE-VMID': access.vmId, Accept: 'application/json' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`OneGate GET /service answered HTTP ${res.status}: ${text.slice(0, 200)}`);
  return engineNodesFromService(JSON.parse(text));
}

/** What an engine publishes with `PUT /vm` (the body `onegate vm update --data` sends). */
export function engineOneGateBody(p: { address: string; ready: boolean; queue?: number | undefined; busy?: number | undefined }): string {
  if (!isEngineAddress(p.address)) throw new Error(`engine address must be IP:port, got ${JSON.stringify(p.address)}`);
  return [
    `READY=${p.ready ? 'YES' : 'NO'}`,
    `${ENGINE_ADDRESS_ATTRIBUTE}=${p.address}`,
    ...(p.queue !== undefined ? [`${ENGINE_QUEUE_ATTRIBUTE}=${p.queue}`] : []),
    ...(p.busy !== undefined ? [`${ENGINE_BUSY_ATTRIBUTE}=${p.busy}`] : []),
  ].join('\n');
}
