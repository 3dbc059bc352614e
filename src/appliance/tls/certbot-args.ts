/**
 * The certbot 2.1 (Debian 12) command line for a webroot issuance. Pure: every flag is unit-tested,
 * and nothing here passes through a shell (certbot itself runs the deploy hook with `sh -c`).
 */
import type { CertbotDirs } from './paths.ts';

export interface CertbotArgsInput {
  domain: string;
  /** Account contact; without it the account is registered without an email (no expiry mails). */
  email?: string;
  webroot: string;
  dirs: CertbotDirs;
  /** ACME directory URL; certbot's default is Let's Encrypt production. */
  acmeServer?: string;
  /** Shell command certbot runs after each issuance/renewal; null: none. */
  deployHook: string | null;
  /**
   * `keep`: reuse the lineage while it is not due (`--keep-until-expiring`); `force`: replace it now
   * (the lineage came from another ACME server, e.g. staging → production).
   */
  renewal: 'keep' | 'force';
}

export function buildCertbotArgs(input: CertbotArgsInput): string[] {
  const args = [
    'certonly',
    '--webroot',
    '-w',
    input.webroot,
    '-d',
    input.domain,
    // One lineage per domain at a predictable path (live/<domain>/), never `<domain>-0001`.
    '--cert-name',
    input.domain,
    '--non-interactive',
    '--agree-tos',
    input.renewal === 'force' ? '--force-renewal' : '--keep-until-expiring',
    // certbot 2.x already defaults to ECDSA; explicit so a changed default cannot surprise renewals.
    '--key-type',
    'ecdsa',
    '--elliptic-curve',
    'secp256r1',
    '--config-dir',
    input.dirs.config,
    '--work-dir',
    input.dirs.work,
    '--logs-dir',
    input.dirs.logs,
  ];
  if (input.email === undefined) args.push('--register-unsafely-without-email');
  else args.push('--email', input.email, '--no-eff-email');
  if (input.acmeServer !== undefined) args.push('--server', input.acmeServer);
  if (input.deployHook !== null) args.push('--deploy-hook', input.deployHook);
  return args;
}
