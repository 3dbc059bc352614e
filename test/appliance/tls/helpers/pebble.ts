/**
 * Debian's pebble (ACME test CA) on loopback: own TLS certificate for its API, HTTP-01 validation
 * against `httpPort`, names resolved through our DNS responder, no random validation sleeps.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../../../../src/appliance/tls/ensure-self-signed-certificate.ts';
import { systemCommandRunner } from '../../../../src/lib/command-runner.ts';
import { freePort } from '../../../../src/lib/free-port.ts';
import { startProcess, type TestProcess } from './processes.ts';

export interface Pebble {
  process: TestProcess;
  directoryUrl: string;
  /** pebble's API certificate: the bundle certbot must trust (`REQUESTS_CA_BUNDLE`). */
  apiCertPath: string;
  /** GET on the management interface (`/roots/0`, `/intermediates/0`). */
  management(path: string): Promise<string>;
}

export async function startPebble(options: { dir: string; httpPort: number; dnsPort: number }): Promise<Pebble> {
  // Our own self-signed module makes pebble's API certificate (localhost + 127.0.0.1).
  const tls = await ensureSelfSignedCertificate({
    dir: join(options.dir, 'api-tls'),
    hostname: 'localhost',
    ips: [],
    runner: systemCommandRunner,
  });
  const listen = await freePort();
  const management = await freePort();
  const tlsPort = await freePort(); // TLS-ALPN-01 target; unused by certbot's webroot (HTTP-01)
  const configPath = join(options.dir, 'pebble-config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: tls.certPath,
        privateKey: tls.keyPath,
        httpPort: options.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const proc = startProcess('pebble', 'pebble', ['-config', configPath, '-dnsserver', `127.0.0.1:${options.dnsPort}`], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
  });
  try {
    await proc.waitFor(/ACME directory available at/);
  } catch (error) {
    await proc.stop(); // never leave a half-started server behind
    throw error;
  }
  const ca = await readFile(tls.certPath);
  return {
    process: proc,
    directoryUrl: `https://127.0.0.1:${listen}/dir`,
    apiCertPath: tls.certPath,
    management: (path) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: management, path, ca, servername: 'localhost', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`pebble ${path}: HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      }),
  };
}
