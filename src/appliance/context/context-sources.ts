/**
 * Where context comes from: the process environment (one-context exports every variable to the hooks),
 * else /run/one-context/one_env. Also the VM's IP addresses (ETHn_IP / ETHn_IP6, else the interfaces),
 * used for the endpoint URL and the certificate's SANs.
 */
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { parseOneEnv } from './one-env.ts';

/** Names read from the sources: context variables plus the OneGate and network facts. */
const RELEVANT = /^(ONEAPP_COPILOT_[A-Z0-9_]+|ONEGATE_ENDPOINT|TOKENTXT|VMID|REPORT_READY|ETH[0-9]+_IP6?)$/;

/** Merges one_env (base) with the environment (wins, as one-context exported it for this run). */
export function collectRawContext(
  env: Readonly<Record<string, string | undefined>>,
  oneEnvText: string | undefined,
): Record<string, string> {
  const raw: Record<string, string> = {};
  if (oneEnvText !== undefined) {
    for (const [k, v] of Object.entries(parseOneEnv(oneEnvText))) if (RELEVANT.test(k)) raw[k] = v;
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined && RELEVANT.test(k)) raw[k] = v;
  return raw;
}

/** The VM's addresses: ETH0_IP first, then other ETHn_IP/IP6, else the machine's non-loopback interfaces. */
export function vmAddresses(raw: Readonly<Record<string, string | undefined>>, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const fromContext = Object.keys(raw)
    .filter((k) => /^ETH[0-9]+_IP6?$/.test(k))
    .sort((a, b) => ethOrder(a) - ethOrder(b))
    .map((k) => raw[k]!.trim())
    .filter((ip) => isIP(ip) !== 0);
  if (fromContext.length > 0) return unique(fromContext);
  const found: string[] = [];
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80')) continue;
      found.push(info.address);
    }
  }
  // IPv4 first: it is what operators paste into clients.
  return unique([...found.filter((a) => isIP(a) === 4), ...found.filter((a) => isIP(a) === 6)]);
}

function ethOrder(name: string): number {
  const n = Number(/^ETH([0-9]+)/.exec(name)?.[1] ?? 99);
  return n * 2 + (name.endsWith('IP6') ? 1 : 0);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** OneGate coordinates when the VM has a token (TOKEN=YES), else undefined. */
export interface OneGateAccess {
  endpoint: string;
  token: string;
  vmId: string;
}

export function oneGateAccess(raw: Readonly<Record<string, string | undefined>>): OneGateAccess | undefined {
  const endpoint = raw['ONEGATE_ENDPOINT']?.trim();
  const token = raw['TOKENTXT']?.trim();
  const vmId = raw['VMID']?.trim();
  if (!endpoint || !token || !vmId || !/^https?:\/\//.test(endpoint) || !/^[0-9]+$/.test(vmId)) return undefined;
  return { endpoint: endpoint.replace(/\/+$/, ''), token, vmId };
}
