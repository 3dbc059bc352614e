/**
 * Which certificate the edge serves. The self-signed one always exists (nginx needs a certificate
 * before Let's Encrypt can validate through it); letsencrypt replaces it when certbot succeeds, and on
 * failure the self-signed one keeps serving and the reason goes into the report.
 */
import type { CommandRunner } from '../../lib/command-runner.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import type { AppliancePlan } from '../plan/plan.ts';
import type { ApplianceCa } from '../tls/appliance-ca.ts';
import { certificateFingerprint } from '../tls/certificate-info.ts';
import type { CheckedCustomCertificate } from '../tls/custom-certificate.ts';
import { ensureSelfSignedCertificate } from '../tls/ensure-self-signed-certificate.ts';
import { obtainLetsEncryptCertificate } from '../tls/obtain-lets-encrypt-certificate.ts';
import { DEFAULT_CERTBOT_DIRS, DEFAULT_DEPLOY_HOOK } from '../tls/paths.ts';
import type { TlsMode } from '../tls/tls-mode.ts';

export interface ServedCertificateInfo {
  certPath: string;
  keyPath: string;
  fingerprintSha256: string;
  kind: TlsMode;
  changed: boolean;
  note: string | undefined;
  /** The appliance CA; set in every mode (the self-signed certificate is always made first). */
  applianceCa: ApplianceCa;
  /** custom mode with a private root: the root clients must trust (real path). */
  trustAnchorPath?: string | undefined;
}

/** Where the operator's own certificate is kept once openssl accepted it (real files under the TLS dir). */
export const CUSTOM_CERT_DIR = `${PATHS.tlsDir}/custom`;

/**
 * Installs a certificate checkCustomCertificate accepted: key first (0600), then the chain and the root
 * clients trust (0644); unchanged files are not rewritten, so nginx is reloaded only on a real change.
 */
export async function installCustomCertificate(
  checked: CheckedCustomCertificate,
  fs: ApplianceFs,
  applianceCa: ApplianceCa,
): Promise<ServedCertificateInfo> {
  await fs.mkdir(CUSTOM_CERT_DIR, 0o755);
  const keyChanged = await fs.write(`${CUSTOM_CERT_DIR}/key.pem`, checked.keyPem, 0o600);
  const chainChanged = await fs.write(`${CUSTOM_CERT_DIR}/fullchain.pem`, checked.chainPem, 0o644);
  if (checked.rootPem !== undefined) await fs.write(`${CUSTOM_CERT_DIR}/root.pem`, checked.rootPem, 0o644);
  else await fs.remove(`${CUSTOM_CERT_DIR}/root.pem`);
  return {
    certPath: fs.real(`${CUSTOM_CERT_DIR}/fullchain.pem`),
    keyPath: fs.real(`${CUSTOM_CERT_DIR}/key.pem`),
    fingerprintSha256: certificateFingerprint(checked.chainPem),
    kind: 'custom',
    changed: keyChanged || chainChanged,
    note: undefined,
    applianceCa,
    trustAnchorPath: checked.rootPem === undefined ? undefined : fs.real(`${CUSTOM_CERT_DIR}/root.pem`),
  };
}

/** Test/operator overrides for the ACME CA (pebble in tests). */
export interface AcmeOptions {
  /** ACME directory URL (default Let's Encrypt production). */
  server?: string;
  /** CA bundle that verifies the ACME server's own HTTPS API. */
  caBundle?: string;
  /** CA that verifies certificates this ACME server issues, when not publicly trusted (test CAs). */
  issuedCaBundle?: string;
}

export async function ensureSelfSigned(
  plan: AppliancePlan,
  fs: ApplianceFs,
  runner: CommandRunner,
  now: Date,
): Promise<ServedCertificateInfo> {
  const r = await ensureSelfSignedCertificate({
    dir: fs.real(PATHS.tlsDir),
    hostname: plan.certificateNames.hostname,
    ips: plan.certificateNames.ips,
    runner,
    now,
  });
  return {
    certPath: r.certPath,
    keyPath: r.keyPath,
    fingerprintSha256: r.fingerprintSha256,
    kind: 'self-signed',
    changed: r.changed,
    note: r.reason,
    applianceCa: r.ca,
  };
}

export async function tryLetsEncrypt(
  plan: AppliancePlan,
  fs: ApplianceFs,
  runner: CommandRunner,
  acme: AcmeOptions,
  now: Date,
  applianceCa: ApplianceCa,
): Promise<{ ok: true; cert: ServedCertificateInfo } | { ok: false; reason: string }> {
  const sandbox = plan.profile.mode === 'sandbox';
  const r = await obtainLetsEncryptCertificate({
    domain: plan.hostname,
    ...(plan.leEmail !== undefined ? { email: plan.leEmail } : {}),
    webroot: fs.real(PATHS.acmeWebroot),
    certbotDirs: {
      config: fs.real(DEFAULT_CERTBOT_DIRS.config),
      work: fs.real(DEFAULT_CERTBOT_DIRS.work),
      logs: fs.real(DEFAULT_CERTBOT_DIRS.logs),
    },
    ...(acme.server !== undefined ? { acmeServer: acme.server } : {}),
    ...(acme.caBundle !== undefined ? { caBundle: acme.caBundle } : {}),
    // The sandbox nginx is a child process: configure reloads it; certbot's timer does not exist there.
    deployHook: sandbox ? null : DEFAULT_DEPLOY_HOOK,
    httpPort: plan.edge.httpPort,
    runner,
    now,
  });
  if (!r.ok) return r;
  return {
    ok: true,
    cert: {
      certPath: r.certPath,
      keyPath: r.keyPath,
      fingerprintSha256: r.fingerprintSha256,
      kind: 'letsencrypt',
      changed: r.issued,
      note: undefined,
      applianceCa,
    },
  };
}
