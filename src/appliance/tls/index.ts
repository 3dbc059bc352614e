/**
 * TLS for the appliance edge: the persisted self-signed certificate, Let's Encrypt through certbot,
 * and the path conventions nginx and the report share with them. See docs/tls.md.
 */

export { ensureAcmeWebroot, probeAcmeWebroot } from './acme-webroot.ts';
export type { CertificateInfo } from './certificate-info.ts';
export { certificateFingerprint, inspectCertificate, keyMatchesCertificate } from './certificate-info.ts';
export type { CertificateNames } from './certificate-names.ts';
export { isDnsName, normalizeIp, wantedCertificateNames } from './certificate-names.ts';
export type { Clock, SelfSignedOptions, SelfSignedResult } from './ensure-self-signed-certificate.ts';
export {
  DEFAULT_RENEW_BEFORE_DAYS,
  DEFAULT_SELF_SIGNED_VALIDITY_DAYS,
  ensureSelfSignedCertificate,
} from './ensure-self-signed-certificate.ts';
export type { LetsEncryptOptions, LetsEncryptResult } from './obtain-lets-encrypt-certificate.ts';
export { DEFAULT_CERTBOT_TIMEOUT_MS, obtainLetsEncryptCertificate } from './obtain-lets-encrypt-certificate.ts';
export * from './paths.ts';
