/**
 * openssl configuration files for the appliance CA and the server certificate it signs. Pure, and
 * hermetic: `-config` replaces the system openssl.cnf, so Debian's defaults (v3_ca sections, copied
 * extensions) cannot add or change an extension. Every name here was validated (certificate-names).
 */
import { type CertificateNames, subjectAltNameExtension } from './certificate-names.ts';

/**
 * CA:TRUE with pathlen:0 (it signs server certificates, never another CA) and keyCertSign: what
 * BoringSSL (Bun, Electron) needs from a trust anchor. No name constraints: see docs/tls.md.
 */
export function caOpensslConfig(commonName: string): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'utf8 = yes',
    '[dn]',
    'O = SLM-Copilot',
    `CN = ${commonName}`,
    '[ca_ext]',
    'basicConstraints = critical,CA:TRUE,pathlen:0',
    'keyUsage = critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    '',
  ].join('\n');
}

/** A server certificate: names as SANs, serverAuth only, key identifiers that chain it to the CA. */
export function serverOpensslConfig(commonName: string, names: CertificateNames): string {
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'O = SLM-Copilot',
    `CN = ${commonName}`,
    '[server_ext]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    subjectAltNameExtension(names),
    '',
  ].join('\n');
}

/** The CN limit of RFC 5280 (ub-common-name). */
const CN_MAX = 64;

/** `SLM-Copilot CA <hostname> <id>`: a subject unique per appliance, so trust stores never confuse two. */
export function caCommonName(hostname: string, id: string): string {
  const room = CN_MAX - 'SLM-Copilot CA  '.length - id.length;
  const host = hostname.replace(/\.$/, '').slice(0, room);
  return `SLM-Copilot CA ${host} ${id}`;
}

/** The server certificate's CN: informational (clients match SANs), the hostname when it fits. */
export function serverCommonName(hostname: string): string {
  const host = hostname.replace(/\.$/, '');
  return host.length <= CN_MAX ? host : 'slm-copilot';
}
