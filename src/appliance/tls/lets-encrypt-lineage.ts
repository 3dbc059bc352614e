/**
 * Reads the certificate lineage certbot keeps for a domain and decides whether it can be served
 * as is: covers the domain, key matches, not due for renewal, issued by the ACME server asked for.
 */

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { keyMatchesCertificate } from './certificate-info.ts';
import { letsEncryptLineagePaths } from './paths.ts';

export type LineageState =
  | { state: 'usable'; certPath: string; keyPath: string; fingerprintSha256: string; notAfter: Date }
  | { state: 'absent' }
  | { state: 'due'; detail: string }
  | { state: 'other-server'; server: string }
  | { state: 'broken'; detail: string };

const DAY_MS = 86_400_000;

export async function readLetsEncryptLineage(options: {
  configDir: string;
  domain: string;
  acmeServer: string;
  now: Date;
  renewBeforeDays: number;
}): Promise<LineageState> {
  const paths = letsEncryptLineagePaths(options.configDir, options.domain);
  const certPem = await readFile(paths.certPath).catch(() => undefined);
  if (certPem === undefined) return { state: 'absent' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    return { state: 'broken', detail: `unreadable ${paths.certPath}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (cert.checkHost(options.domain, { wildcards: false }) === undefined) {
    return { state: 'broken', detail: `${paths.certPath} does not cover ${options.domain}` };
  }
  const keyPem = await readFile(paths.keyPath).catch(() => undefined);
  if (keyPem === undefined || !keyMatchesCertificate(certPem, keyPem)) {
    return { state: 'broken', detail: `${paths.keyPath} missing or not matching the certificate` };
  }
  const server = serverOf(await readFile(paths.renewalConfPath, 'utf8').catch(() => ''));
  if (server !== undefined && server !== options.acmeServer) return { state: 'other-server', server };
  if (cert.validToDate.getTime() - options.now.getTime() < options.renewBeforeDays * DAY_MS) {
    return { state: 'due', detail: `expires on ${cert.validToDate.toISOString()}` };
  }
  return {
    state: 'usable',
    certPath: paths.certPath,
    keyPath: paths.keyPath,
    fingerprintSha256: cert.fingerprint256,
    notAfter: cert.validToDate,
  };
}

/** The `server = …` line of a certbot renewal conf (under [renewalparams]). */
function serverOf(conf: string): string | undefined {
  return /^server\s*=\s*(\S+)\s*$/m.exec(conf)?.[1];
}
