/**
 * The names a server certificate must carry, normalised so that two spellings of one name compare
 * equal (DNS names are case-insensitive; `FE80:0:0:0:0:0:0:1` and `fe80::1` are one IPv6 address).
 */
import { isIP } from 'node:net';
import { ConfigError } from '../../lib/errors.ts';

/** Subject alternative names split by kind; both lists sorted and free of duplicates. */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

// RFC 1123 labels; no wildcards: the appliance never asks for one, and `*` must not reach openssl.
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** True for a DNS name we accept in a certificate: letters, digits, hyphens, dots; ≤ 253 chars. */
export function isDnsName(name: string): boolean {
  const n = name.toLowerCase();
  if (n.length === 0 || n.length > 253 || isIP(n) !== 0) return false;
  return n.split('.').every((label) => DNS_LABEL.test(label));
}

/** Canonical text of an IP address (IPv6 compressed, lower case), or undefined if it is not one. */
export function normalizeIp(address: string): string | undefined {
  const kind = isIP(address);
  if (kind === 4)
    return address
      .split('.')
      .map((octet) => String(Number(octet)))
      .join('.');
  if (kind === 6) return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  return undefined;
}

/**
 * The names a self-signed certificate for this VM must carry: the hostname (as DNS or IP SAN), every
 * VM IP, `localhost` and `127.0.0.1` (so on-VM tools and tunnels verify too).
 * @throws ConfigError when the hostname or an IP would not be a valid name (nothing unchecked reaches
 * openssl's `-subj`/`-addext` syntax).
 */
export function wantedCertificateNames(hostname: string, ips: readonly string[]): CertificateNames {
  const issues: { field: string; message: string }[] = [];
  const dns = new Set<string>(['localhost']);
  const addrs = new Set<string>(['127.0.0.1']);
  const hostIp = normalizeIp(hostname);
  if (hostIp !== undefined) addrs.add(hostIp);
  else if (isDnsName(hostname.replace(/\.$/, ''))) dns.add(hostname.replace(/\.$/, '').toLowerCase());
  else issues.push({ field: 'hostname', message: `"${hostname}" is neither a DNS name nor an IP address` });
  for (const ip of ips) {
    const normal = normalizeIp(ip);
    if (normal === undefined) issues.push({ field: 'ips', message: `"${ip}" is not an IP address` });
    else addrs.add(normal);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { dns: [...dns].sort(), ips: [...addrs].sort() };
}

/** The openssl `subjectAltName` extension value for these names. */
export function subjectAltNameExtension(names: CertificateNames): string {
  return ['subjectAltName=', [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((ip) => `IP:${ip}`)].join(',')].join('');
}

/**
 * Parses Node's `X509Certificate.subjectAltName` text (`DNS:a, IP Address:1.2.3.4`). Entries of other
 * kinds (email, URI) and quoted entries are kept in `other`, so a comparison sees them as a difference.
 */
export function parseSubjectAltName(text: string | undefined): CertificateNames & { other: string[] } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  const other: string[] = [];
  for (const entry of (text ?? '').split(', ').filter((e) => e.length > 0)) {
    if (entry.startsWith('DNS:')) dns.add(entry.slice(4).toLowerCase());
    else if (entry.startsWith('IP Address:')) {
      const ip = normalizeIp(entry.slice('IP Address:'.length));
      if (ip === undefined) other.push(entry);
      else ips.add(ip);
    } else other.push(entry);
  }
  return { dns: [...dns].sort(), ips: [...ips].sort(), other };
}

/** Names in `wanted` but not `actual` (`added`) and the reverse (`removed`), as `DNS:x` / `IP:y`. */
export function diffCertificateNames(
  wanted: CertificateNames,
  actual: CertificateNames & { other?: string[] },
): { added: string[]; removed: string[] } {
  const fmt = (n: CertificateNames) => new Set([...n.dns.map((d) => `DNS:${d}`), ...n.ips.map((i) => `IP:${i}`)]);
  const w = fmt(wanted);
  const a = fmt(actual);
  return {
    added: [...w].filter((x) => !a.has(x)),
    removed: [...[...a].filter((x) => !w.has(x)), ...(actual.other ?? [])],
  };
}
