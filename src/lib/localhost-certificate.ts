/**
 * A short-lived ECDSA P-256 self-signed certificate for localhost/127.0.0.1, made by the real openssl.
 * The bench's bare TLS proxy and tests that need "some valid certificate for nginx" share it; the
 * appliance's own certificates come from its CA (src/appliance/tls).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Writes the key and certificate; returns the certificate PEM (the client's trust anchor). */
export async function localhostCertificate(certFile: string, keyFile: string): Promise<string> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return readFile(certFile, 'utf8');
}
