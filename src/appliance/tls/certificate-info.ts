/**
 * Reads what matters about a PEM certificate with node:crypto (no openssl process): names, validity,
 * key type and the SHA-256 fingerprint operators compare against what their client shows.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { type CertificateNames, parseSubjectAltName } from './certificate-names.ts';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  names: CertificateNames & { other: string[] };
  notBefore: Date;
  notAfter: Date;
  /** `AA:BB:…` upper-case hex, the format of `openssl x509 -noout -fingerprint -sha256`. */
  fingerprintSha256: string;
  /** e.g. `ec/prime256v1`, `rsa/2048`. */
  keyType: string;
  selfSigned: boolean;
}

/** SHA-256 fingerprint of the first certificate in `pem` (a full chain gives the leaf's). */
export function certificateFingerprint(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256;
}

/** Inspects the first certificate in `pem`. @throws when `pem` holds no parseable certificate. */
export function inspectCertificate(pem: string | Buffer): CertificateInfo {
  const cert = new X509Certificate(pem);
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const param = details.namedCurve ?? (details.modulusLength === undefined ? undefined : String(details.modulusLength));
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    names: parseSubjectAltName(cert.subjectAltName),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
    fingerprintSha256: cert.fingerprint256,
    keyType: param === undefined ? String(key.asymmetricKeyType) : `${key.asymmetricKeyType}/${param}`,
    selfSigned: cert.checkIssued(cert) && cert.verify(key),
  };
}

/** True when the PEM private key belongs to the certificate (false for unparseable input). */
export function keyMatchesCertificate(certPem: string | Buffer, keyPem: string | Buffer): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
