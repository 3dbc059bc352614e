/**
 * Let's Encrypt (or any ACME CA) through Debian's certbot in webroot mode: nginx keeps serving
 * port 80 while certbot drops challenge tokens into the webroot. Never throws for an operational
 * failure: the caller falls back to the self-signed certificate and reports `reason`.
 * Renewal is certbot's own (`certbot.timer` → `certbot -q renew`), which reuses the flags stored
 * in the lineage's renewal conf, deploy hook included.
 */

import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CommandResult, CommandRunner, RunOptions } from '../../lib/command-runner.ts';
import { ensureAcmeWebroot, probeAcmeWebroot } from './acme-webroot.ts';
import { buildCertbotArgs } from './certbot-args.ts';
import { certbotFailureReason } from './certbot-failure-reason.ts';
import { isDnsName } from './certificate-names.ts';
import { type Clock, timeOf } from './ensure-self-signed-certificate.ts';
import { readLetsEncryptLineage } from './lets-encrypt-lineage.ts';
import { type CertbotDirs, DEFAULT_DEPLOY_HOOK, LETS_ENCRYPT_DIRECTORY } from './paths.ts';

export interface LetsEncryptOptions {
  /** `ONEAPP_COPILOT_TLS_HOSTNAME`: a public DNS name pointing at this VM. */
  domain: string;
  /** `ONEAPP_COPILOT_TLS_EMAIL`; absent → account without email. */
  email?: string;
  /** Directory nginx serves under `/.well-known/acme-challenge/` on port 80 (see paths.ts). */
  webroot: string;
  certbotDirs: CertbotDirs;
  /** ACME directory URL; default Let's Encrypt production. */
  acmeServer?: string;
  /** PEM bundle trusted for the ACME server's HTTPS (`REQUESTS_CA_BUNDLE`), for a private CA. */
  caBundle?: string;
  /** Run after issuance and each renewal; default `systemctl reload nginx`; null: no hook. */
  deployHook?: string | null;
  runner: CommandRunner;
  /**
   * Local port where nginx serves the webroot (80 on the appliance). When given, a loopback probe
   * checks nginx before certbot runs, so a broken edge does not spend a CA validation.
   */
  httpPort?: number;
  now?: Date | Clock;
  /** Upper bound for the certbot run (it has no timeout flag). Default 180 s. */
  timeoutMs?: number;
  /** An existing certificate is reused while more days than this remain. Default 30 (certbot's). */
  renewBeforeDays?: number;
}

export type LetsEncryptResult =
  | {
      ok: true;
      certPath: string;
      keyPath: string;
      fingerprintSha256: string;
      notAfter: Date;
      /** False when the existing lineage was reused without running certbot. */
      issued: boolean;
    }
  | { ok: false; reason: string };

export const DEFAULT_CERTBOT_TIMEOUT_MS = 180_000;

const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

export async function obtainLetsEncryptCertificate(options: LetsEncryptOptions): Promise<LetsEncryptResult> {
  const domain = options.domain.replace(/\.$/, '').toLowerCase();
  const invalid = validate(domain, options);
  if (invalid !== undefined) return { ok: false, reason: invalid };
  const acmeServer = options.acmeServer ?? LETS_ENCRYPT_DIRECTORY;
  const lineageQuery = {
    configDir: options.certbotDirs.config,
    domain,
    acmeServer,
    renewBeforeDays: options.renewBeforeDays ?? 30,
  };

  // A valid lineage is served without certbot: no network needed at boot, no CA request spent.
  const existing = await readLetsEncryptLineage({ ...lineageQuery, now: timeOf(options.now) });
  if (existing.state === 'usable') {
    const { certPath, keyPath, fingerprintSha256, notAfter } = existing;
    return { ok: true, certPath, keyPath, fingerprintSha256, notAfter, issued: false };
  }

  try {
    await ensureAcmeWebroot(options.webroot);
  } catch (error) {
    return { ok: false, reason: `cannot prepare the ACME webroot ${options.webroot}: ${messageOf(error)}` };
  }
  if (options.httpPort !== undefined) {
    const probe = await probeAcmeWebroot({ webroot: options.webroot, domain, httpPort: options.httpPort });
    if (!probe.ok) return probe;
  }

  const args = buildCertbotArgs({
    domain,
    ...(options.email === undefined ? {} : { email: options.email }),
    webroot: options.webroot,
    dirs: options.certbotDirs,
    ...(options.acmeServer === undefined ? {} : { acmeServer: options.acmeServer }),
    deployHook: options.deployHook === undefined ? DEFAULT_DEPLOY_HOOK : options.deployHook,
    renewal: existing.state === 'other-server' || existing.state === 'broken' ? 'force' : 'keep',
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_CERTBOT_TIMEOUT_MS;
  const runOptions: RunOptions = { timeoutMs, check: false };
  if (options.caBundle !== undefined) runOptions.env = { REQUESTS_CA_BUNDLE: options.caBundle };

  const started = performance.now();
  let result: CommandResult;
  try {
    result = await options.runner.run('certbot', args, runOptions);
  } catch (error) {
    return { ok: false, reason: `certbot could not run: ${messageOf(error)}` };
  }
  if (result.exitCode !== 0) {
    if (result.exitCode === -1 && performance.now() - started >= timeoutMs * 0.95) {
      return { ok: false, reason: `certbot did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped` };
    }
    if (result.exitCode === -1 && /ENOENT/.test(result.stderr)) {
      return { ok: false, reason: 'certbot is not installed (apt-get install certbot)' };
    }
    return { ok: false, reason: certbotFailureReason(result, acmeServer) };
  }

  // Only expiry matters now: certbot decides "due" by its own renew_before_expiry.
  const issued = await readLetsEncryptLineage({ ...lineageQuery, renewBeforeDays: 0, now: timeOf(options.now) });
  if (issued.state !== 'usable') {
    const detail =
      issued.state === 'absent'
        ? 'no certificate was written'
        : issued.state === 'other-server'
          ? `lineage still from ${issued.server}`
          : issued.detail;
    return { ok: false, reason: `certbot succeeded but the certificate is not usable: ${detail}` };
  }
  const { certPath, keyPath, fingerprintSha256, notAfter } = issued;
  return { ok: true, certPath, keyPath, fingerprintSha256, notAfter, issued: true };
}

function validate(domain: string, options: LetsEncryptOptions): string | undefined {
  if (isIP(domain) !== 0) return `"${domain}" is an IP address; Let's Encrypt needs a DNS name (set ONEAPP_COPILOT_TLS_HOSTNAME)`;
  if (!isDnsName(domain) || !domain.includes('.') || domain === 'localhost' || domain.endsWith('.localhost')) {
    return `"${options.domain}" is not a public DNS name Let's Encrypt can validate`;
  }
  if (options.email !== undefined && !EMAIL.test(options.email)) return `"${options.email}" is not an email address`;
  if (options.acmeServer !== undefined && !/^https:\/\/[^\s]+$/.test(options.acmeServer)) {
    return `ACME server "${options.acmeServer}" is not an https:// URL`;
  }
  if (options.deployHook != null && /[\n\r]/.test(options.deployHook)) return 'the deploy hook must be one line';
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}
