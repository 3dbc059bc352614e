/**
 * The appliance's self-signed certificate: ECDSA P-256 made by the openssl CLI, persisted, and
 * replaced only when its names no longer match the VM or it nears expiry (see self-signed-decision).
 */
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.ts';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { inspectCertificate, keyMatchesCertificate } from './certificate-info.ts';
import { subjectAltNameExtension, wantedCertificateNames } from './certificate-names.ts';
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from './paths.ts';
import { decideSelfSignedCertificate, type ExistingCertificate } from './self-signed-decision.ts';

export type Clock = () => Date;

/** The time an option gives (a fixed Date or a clock), else the system clock's. */
export function timeOf(now: Date | Clock | undefined): Date {
  return now === undefined ? new Date() : now instanceof Date ? now : now();
}

export interface SelfSignedOptions {
  /** State directory for `cert.pem` (0644) and `key.pem` (0600); created 0755. */
  dir: string;
  /** `ONEAPP_COPILOT_HOSTNAME` or the VM's IP; an IP becomes an IP SAN. */
  hostname: string;
  /** Every IP of the VM (NIC addresses). */
  ips: readonly string[];
  runner: CommandRunner;
  /** The current time, or a clock; defaults to the system clock. */
  now?: Date | Clock;
  /** Validity of a new certificate. Default 825 days (the longest macOS/iOS accept for a server cert). */
  validityDays?: number;
  /** Regenerate when fewer days than this remain. Default 30. */
  renewBeforeDays?: number;
}

export interface SelfSignedResult {
  certPath: string;
  keyPath: string;
  /** True when a new certificate was written by this call. */
  changed: boolean;
  fingerprintSha256: string;
  notAfter: Date;
  /** Why it was (re)generated; absent when the existing one was kept. */
  reason?: string;
}

export const DEFAULT_SELF_SIGNED_VALIDITY_DAYS = 825;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;

export async function ensureSelfSignedCertificate(options: SelfSignedOptions): Promise<SelfSignedResult> {
  const now = timeOf(options.now);
  const wanted = wantedCertificateNames(options.hostname, options.ips);
  const certPath = join(options.dir, SELF_SIGNED_CERT_FILE);
  const keyPath = join(options.dir, SELF_SIGNED_KEY_FILE);

  const existing = await readExisting(certPath, keyPath);
  const decision = decideSelfSignedCertificate({
    existing,
    wanted,
    now,
    renewBeforeDays: options.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
  });
  if (!decision.regenerate) {
    // Only a present certificate is ever kept, and it was just inspected: no second read.
    const { info } = existing as Extract<ExistingCertificate, { state: 'present' }>;
    // Repair modes a manual copy or the framework's umask may have changed; content stays.
    await chmod(keyPath, 0o600);
    await chmod(certPath, 0o644);
    return { certPath, keyPath, changed: false, fingerprintSha256: info.fingerprintSha256, notAfter: info.notAfter };
  }

  await mkdir(options.dir, { recursive: true });
  await chmod(options.dir, 0o755); // mkdir honours the framework's umask 0077
  const work = await mkdtemp(join(options.dir, '.openssl-'));
  try {
    const newKey = join(work, 'key.pem');
    const newCert = join(work, 'cert.pem');
    const hostname = options.hostname.replace(/\.$/, '');
    // CN is informational (clients match SANs) and limited to 64 characters.
    const commonName = hostname.length <= 64 ? hostname : 'slm-copilot';
    await options.runner.run('openssl', [
      'req',
      '-x509',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-sha256',
      '-days',
      String(options.validityDays ?? DEFAULT_SELF_SIGNED_VALIDITY_DAYS),
      '-subj',
      `/O=SLM-Copilot/CN=${commonName}`,
      '-addext',
      subjectAltNameExtension(wanted),
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature',
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-keyout',
      newKey,
      '-out',
      newCert,
    ]);
    const certPem = await readFile(newCert);
    const keyPem = await readFile(newKey);
    const info = inspectCertificate(certPem);
    // Key first: a crash between the two renames leaves a mismatched pair, which the next run repairs.
    await writeFileAtomic(keyPath, keyPem, { mode: 0o600 });
    await writeFileAtomic(certPath, certPem, { mode: 0o644 });
    return {
      certPath,
      keyPath,
      changed: true,
      fingerprintSha256: info.fingerprintSha256,
      notAfter: info.notAfter,
      reason: decision.reason,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function readExisting(certPath: string, keyPath: string): Promise<ExistingCertificate> {
  const certPem = await readFile(certPath).catch(() => undefined);
  if (certPem === undefined) return { state: 'missing' };
  try {
    const info = inspectCertificate(certPem);
    const keyPem = await readFile(keyPath).catch(() => undefined);
    return { state: 'present', info, keyMatches: keyPem !== undefined && keyMatchesCertificate(certPem, keyPem) };
  } catch (error) {
    return { state: 'unreadable', error: error instanceof Error ? error.message : String(error) };
  }
}
