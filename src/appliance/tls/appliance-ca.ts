/**
 * The per-appliance certificate authority: made once by openssl at the first configure, kept across
 * reboots and reconfigurations like the API key, and replaced only when missing, broken or expiring
 * (ca-decision). Clients trust this file; the server certificate it signs can then change freely.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { type CaDecision, decideApplianceCa, type ExistingCa } from './ca-decision.ts';
import { inspectCertificate, keyMatchesCertificate } from './certificate-info.ts';
import { caCommonName, caOpensslConfig } from './openssl-config.ts';
import { newCertificateArgs } from './openssl-req.ts';
import { APPLIANCE_CA_CERT_FILE, APPLIANCE_CA_KEY_FILE } from './paths.ts';

/**
 * Ten years: replacing the CA makes every client re-trust a file by hand. Trust anchors a user adds
 * have no validity cap in the clients (the 398/825-day rules apply to server certificates).
 */
export const APPLIANCE_CA_VALIDITY_DAYS = 3650;

export interface ApplianceCa {
  certPath: string;
  keyPath: string;
  /** `AA:BB:…`, as `openssl x509 -noout -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
  notAfter: Date;
  subject: string;
  /** True when this call made a new CA (clients must trust the new file). */
  changed: boolean;
  reason?: string;
}

export async function ensureApplianceCa(options: {
  dir: string;
  /** Goes into the CA's name at creation only; later hostname changes leave the CA alone. */
  hostname: string;
  runner: CommandRunner;
  now: Date;
  renewBeforeDays: number;
}): Promise<ApplianceCa> {
  const certPath = join(options.dir, APPLIANCE_CA_CERT_FILE);
  const keyPath = join(options.dir, APPLIANCE_CA_KEY_FILE);
  const existing = await readExistingCa(certPath, keyPath);
  const decision: CaDecision = decideApplianceCa(existing, options.now, options.renewBeforeDays);
  if (!decision.regenerate) {
    const { info } = existing as Extract<ExistingCa, { state: 'present' }>;
    await chmod(keyPath, 0o600);
    await chmod(certPath, 0o644);
    return { certPath, keyPath, fingerprintSha256: info.fingerprintSha256, notAfter: info.notAfter, subject: info.subject, changed: false };
  }
  await mkdir(options.dir, { recursive: true });
  await chmod(options.dir, 0o755); // mkdir honours the framework's umask 0077
  const work = await mkdtemp(join(options.dir, '.openssl-ca-'));
  try {
    const config = join(work, 'ca.cnf');
    await writeFile(config, caOpensslConfig(caCommonName(options.hostname, randomBytes(4).toString('hex'))), { mode: 0o600 });
    const newKey = join(work, 'ca-key.pem');
    const newCert = join(work, 'ca.pem');
    await options.runner.run(
      'openssl',
      newCertificateArgs({ config, extensions: 'ca_ext', days: APPLIANCE_CA_VALIDITY_DAYS, keyOut: newKey, certOut: newCert }),
    );
    const certPem = await readFile(newCert);
    const info = inspectCertificate(certPem);
    // Key first: a crash between the renames leaves a mismatched pair, which the next run replaces.
    await writeFileAtomic(keyPath, await readFile(newKey), { mode: 0o600 });
    await writeFileAtomic(certPath, certPem, { mode: 0o644 });
    return {
      certPath,
      keyPath,
      fingerprintSha256: info.fingerprintSha256,
      notAfter: info.notAfter,
      subject: info.subject,
      changed: true,
      reason: decision.reason,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readExistingCa(certPath: string, keyPath: string): Promise<ExistingCa> {
  const certPem = await readFile(certPath).catch(() => undefined);
  if (certPem === undefined) return { state: 'missing' };
  try {
    const info = inspectCertificate(certPem);
    const keyPem = await readFile(keyPath).catch(() => undefined);
    return {
      state: 'present',
      info,
      isCa: new X509Certificate(certPem).ca,
      keyMatches: keyPem !== undefined && keyMatchesCertificate(certPem, keyPem),
    };
  } catch (error) {
    return { state: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
}
