/**
 * The address an engine VM listens on: its first address on a private network (RFC 1918, shared address
 * space 100.64/10, IPv6 ULA fc00::/7, and loopback for the sandbox), never 0.0.0.0 and never a public
 * NIC: an engine takes only the internal credential and must not be reachable from the internet even
 * then. In the service template the engine's only NIC is the private network; on a VM with more NICs
 * the public one is skipped.
 */
import { isIP } from 'node:net';

export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = -1, b = -1] = address.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(address) === 6) return /^f[cd][0-9a-f]{2}:/i.test(address) || address === '::1';
  return false;
}

/** undefined: the VM has no private address, and an engine must not start on a public one. */
export function privateListenAddress(addresses: readonly string[]): string | undefined {
  return addresses.find(isPrivateAddress);
}
