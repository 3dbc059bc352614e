/**
 * TLS mode `self-signed`: the appliance CA (kept for years, see appliance-ca) and an ECDSA P-256
 * server certificate it signs, made by the openssl CLI. The server certificate is replaced when its
 * names no longer match the VM, it nears expiry, or the CA changed (self-signed-decision); clients that
 * trust the CA never notice.
 */
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { type ApplianceCa, ensureApplianceCa } from './appliance-ca.ts';
import { inspectCertificate, keyMatchesCertificate } from './certificate-info.ts';
import { type CertificateNames, wantedCertificateNames } from './certificate-names.ts';
import { serverCommonName, serverOpensslConfig } from './openssl-config.ts';
import { newCertificateArgs } from './openssl-req.ts';
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_CHAIN_FILE, SELF_SIGNED_KEY_FILE } from './paths.ts';
import { decideSelfSignedCertificate, type ExistingCertificate } from './self-signed-decision.ts';

export type Clock = () => Date;

/** The time an option gives (a fixed Date or a clock), else the system clock's. */
export function timeOf(now: Date | Clock | undefined): Date {
  return now === undefined ? new Date() : now instanceof Date ? now : now();
}

export interface SelfSignedOptions {
  /** State directory for the CA and the server certificate; created 0755. */
  dir: string;
  /** `ONEAPP_COPILOT_TLS_HOSTNAME` or the VM's IP; an IP becomes an IP SAN. */
  hostname: string;
  /** Every IP of the VM (NIC addresses). */
  ips: readonly string[];
  runner: CommandRunner;
  /** The current time, or a clock; defaults to the system clock. */
  now?: Date | Clock;
  /** Validity of a new server certificate (capped at the CA's own end). Default 397 days. */
  validityDays?: number;
  /** Replace the server certificate (and the CA) when fewer days than this remain. Default 30. */
  renewBeforeDays?: number;
}

export interface SelfSignedResult {
  /** What nginx serves: the server certificate followed by the CA (`fullchain.pem`). */
  certPath: string;
  keyPath: string;
  /** The server certificate alone. */
  leafPath: string;
  /** True when a new server certificate was written by this call. */
  changed: boolean;
  /** Of the server certificate. */
  fingerprintSha256: string;
  notAfter: Date;
  /** Why the server certificate was (re)issued; absent when it was kept. */
  reason?: string;
  /** The CA clients trust. */
  ca: ApplianceCa;
}

/**
 * 397 days: the longest server-certificate lifetime any client enforces (Apple, Chrome: 398 days);
 * macOS refuses more than 825 days even under a private CA. Renewal costs nothing: clients trust the CA.
 */
export const DEFAULT_SELF_SIGNED_VALIDITY_DAYS = 397;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

export async function ensureSelfSignedCertificate(options: SelfSignedOptions): Promise<SelfSignedResult> {
  const now = timeOf(options.now);
  const wanted = wantedCertificateNames(options.hostname, options.ips);
  const renewBeforeDays = options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS;
  const ca = await ensureApplianceCa({ dir: options.dir, hostname: options.hostname, runner: options.runner, now, renewBeforeDays });
  const leafPath = join(options.dir, SELF_SIGNED_CERT_FILE);
  const keyPath = join(options.dir, SELF_SIGNED_KEY_FILE);
  const certPath = join(options.dir, SELF_SIGNED_CHAIN_FILE);
  const caPem = await readFile(ca.certPath);
  const existing = await readExisting(leafPath, keyPath, caPem);
  const decision = decideSelfSignedCertificate({ existing, wanted, now, renewBeforeDays });
  if (!decision.regenerate) {
    // Only a present certificate is ever kept, and it was just inspected: no second read.
    const { info } = existing as Extract<ExistingCertificate, { state: 'present' }>;
    // Repair modes a manual copy or the framework's umask may have changed; the chain follows the pair.
    await chmod(keyPath, 0o600);
    await chmod(leafPath, 0o644);
    await writeFileAtomic(certPath, Buffer.concat([await readFile(leafPath), caPem]), { mode: 0o644 });
    return { certPath, keyPath, leafPath, changed: false, fingerprintSha256: info.fingerprintSha256, notAfter: info.notAfter, ca };
  }
  const validityDays = Math.min(
    options.validityDays ?? DEFAULT_SELF_SIGNED_VALIDITY_DAYS,
    Math.floor((ca.notAfter.getTime() - now.getTime()) / DAY_MS),
  );
  const { leafPem, keyPem } = await issueServerCertificate(options, wanted, ca, validityDays);
  const info = inspectCertificate(leafPem);
  // Key first: a crash between the renames leaves a mismatched pair, which the next run repairs.
  await writeFileAtomic(keyPath, keyPem, { mode: 0o600 });
  await writeFileAtomic(leafPath, leafPem, { mode: 0o644 });
  await writeFileAtomic(certPath, Buffer.concat([leafPem, caPem]), { mode: 0o644 });
  return {
    certPath,
    keyPath,
    leafPath,
    changed: true,
    fingerprintSha256: info.fingerprintSha256,
    notAfter: info.notAfter,
    reason: decision.reason,
    ca,
  };
}

async function issueServerCertificate(
  options: SelfSignedOptions,
  names: CertificateNames,
  ca: ApplianceCa,
  validityDays: number,
): Promise<{ leafPem: Buffer; keyPem: Buffer }> {
  const work = await mkdtemp(join(options.dir, '.openssl-'));
  try {
    const config = join(work, 'server.cnf');
    await writeFile(config, serverOpensslConfig(serverCommonName(options.hostname), names), { mode: 0o600 });
    const newKey = join(work, 'key.pem');
    const newCert = join(work, 'cert.pem');
    await options.runner.run(
      'openssl',
      newCertificateArgs({ config, extensions: 'server_ext', days: validityDays, keyOut: newKey, certOut: newCert, issuer: ca }),
    );
    return { leafPem: await readFile(newCert), keyPem: await readFile(newKey) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readExisting(certPath: string, keyPath: string, caPem: Buffer): Promise<ExistingCertificate> {
  const certPem = await readFile(certPath).catch(() => undefined);
  if (certPem === undefined) return { state: 'missing' };
  try {
    const info = inspectCertificate(certPem);
    const keyPem = await readFile(keyPath).catch(() => undefined);
    const cert = new X509Certificate(certPem);
    const caCert = new X509Certificate(caPem);
    return {
      state: 'present',
      info,
      keyMatches: keyPem !== undefined && keyMatchesCertificate(certPem, keyPem),
      issuedByCa: !cert.ca && cert.checkIssued(caCert) && cert.verify(caCert.publicKey),
    };
  } catch (error) {
    return { state: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
}
