/**
 * A host as it stands in a URL or an `address:port` (nginx `listen`/`server`, fetch): an IPv6 literal in
 * brackets, anything else as is.
 */
import { isIP } from 'node:net';

export function hostInUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export function hostPort(host: string, port: number): string {
  return `${hostInUrl(host)}:${port}`;
}
