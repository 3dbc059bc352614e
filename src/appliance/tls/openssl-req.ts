/** The one openssl command both certificates come from: a new ECDSA P-256 key and an X.509 certificate. */

export interface NewCertificate {
  /** A config from openssl-config.ts, and the extension section in it to apply. */
  config: string;
  extensions: string;
  days: number;
  keyOut: string;
  certOut: string;
  /** Signs with this CA; without it the certificate is self-signed (the CA itself). */
  issuer?: { certPath: string; keyPath: string };
}

/** `openssl req -x509 -new …` argv (no shell): P-256 key, SHA-256 signature, random serial. */
export function newCertificateArgs(o: NewCertificate): string[] {
  return [
    'req',
    '-x509',
    '-new',
    '-config',
    o.config,
    '-extensions',
    o.extensions,
    ...(o.issuer === undefined ? [] : ['-CA', o.issuer.certPath, '-CAkey', o.issuer.keyPath]),
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-sha256',
    '-days',
    String(o.days),
    '-keyout',
    o.keyOut,
    '-out',
    o.certOut,
  ];
}
