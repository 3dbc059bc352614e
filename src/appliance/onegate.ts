/**
 * Publishes the endpoint (and READY when REPORT_READY=YES) through OneGate (`PUT <endpoint>/vm`, as the
 * `onegate vm update` CLI does). Never the key. Only when the VM has a token (CONTEXT TOKEN=YES).
 */
import type { OneGateAccess } from './context/context-sources.ts';

export interface OneGatePublication {
  url: string;
  modelId: string;
  /** Also READY=YES: only when the template asks for it (REPORT_READY=YES), like net-99. */
  ready: boolean;
}

/** The `onegate vm update --data` body: OpenNebula template lines `NAME=value`, appended to the VM's user template. */
export function oneGateBody(p: OneGatePublication): string {
  return [...(p.ready ? ['READY=YES'] : []), `ONEAPP_COPILOT_ENDPOINT=${p.url}`, `ONEAPP_COPILOT_MODEL_ID=${p.modelId}`].join('\n');
}

export async function publishToOneGate(access: OneGateAccess, p: OneGatePublication, timeoutMs = 15_000): Promise<void> {
  const res = await fetch(`${access.endpoint}/vm`, {
    method: 'PUT',
    headers: { 'X-ONEGATE-TOKEN': access.token, 'X-ONEGATE-VMID': access.vmId, 'Content-Type': 'text/plain' },
    body: oneGateBody(p),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`OneGate answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
}
