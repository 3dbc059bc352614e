/**
 * What SLM-Copilot before the appliance CA left in its TLS state dir: one self-signed ECDSA P-256
 * certificate with `CA:FALSE` and `digitalSignature` only (the certificate BoringSSL clients refuse as a
 * trust anchor), with that version's extensions, for upgrade tests.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newCertificateArgs } from '../../src/appliance/tls/openssl-req.ts';
import { systemCommandRunner } from '../../src/lib/command-runner.ts';

export async function makePreCaCertificate(certPath: string, keyPath: string, hostname: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'slm-pre-ca-'));
  try {
    const config = join(dir, 'legacy.cnf');
    await writeFile(
      config,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        'O = SLM-Copilot',
        `CN = ${hostname}`,
        '[legacy]',
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature',
        'extendedKeyUsage = serverAuth',
        `subjectAltName = DNS:localhost,DNS:${hostname},IP:127.0.0.1`,
        '',
      ].join('\n'),
    );
    await systemCommandRunner.run(
      'openssl',
      newCertificateArgs({ config, extensions: 'legacy', days: 825, keyOut: keyPath, certOut: certPath }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
