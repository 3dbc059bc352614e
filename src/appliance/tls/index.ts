/**
 * TLS for the appliance edge: the persisted self-signed certificate, Let's Encrypt through certbot,
 * and the path conventions nginx and the report share with them. See docs/tls.md.
 */
export { ensureSelfSignedCertificate, DEFAULT_RENEW_BEFORE_DAYS, DEFAULT_SELF_SIGNED_VALIDITY_DAYS } from './ensure-self-signed-certificate.ts';
export type { Clock, SelfSignedOptions, SelfSignedResult } from './ensure-self-signed-certificate.ts';
export { obtainLetsEncryptCertificate, DEFAULT_CERTBOT_TIMEOUT_MS } from './obtain-lets-encrypt-certificate.ts';
export type { LetsEncryptOptions, LetsEncryptResult } from './obtain-lets-encrypt-certificate.ts';
export { certificateFingerprint, inspectCertificate, keyMatchesCertificate } from './certificate-info.ts';
export type { CertificateInfo } from './certificate-info.ts';
export { wantedCertificateNames, isDnsName, normalizeIp } from './certificate-names.ts';
export type { CertificateNames } from './certificate-names.ts';
export { ensureAcmeWebroot, probeAcmeWebroot } from './acme-webroot.ts';
export * from './paths.ts';
