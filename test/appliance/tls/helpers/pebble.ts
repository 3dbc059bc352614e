/**
 * Debian's pebble (ACME test CA) on loopback: own TLS certificate for its API, HTTP-01 validation
 * against `httpPort`, names resolved through our DNS responder, no random validation sleeps.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../../../../src/appliance/tls/ensure-self-signed-certificate.ts';
import { systemCommandRunner } from '../../../../src/lib/command-runner.ts';
import { freePort } from '../../../../src/lib/free-port.ts';
import { requestText } from '../../../../src/lib/https/request.ts';
import { type StartedProcess, startProcess } from '../../../../src/lib/process/start-process.ts';

export interface Pebble {
  process: StartedProcess;
  directoryUrl: string;
  /** The CA that signed pebble's API certificate: the bundle certbot must trust (`REQUESTS_CA_BUNDLE`). */
  apiCaPath: string;
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
  const proc = await startProcess('pebble', ['-config', configPath, '-dnsserver', `127.0.0.1:${options.dnsPort}`], {
    env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
  });
  try {
    await proc.waitForOutput(/ACME directory available at/);
  } catch (error) {
    await proc.stop(); // never leave a half-started server behind
    throw error;
  }
  // Clients trust pebble's API through the appliance CA that signed its certificate.
  const ca = await readFile(tls.ca.certPath);
  return {
    process: proc,
    directoryUrl: `https://127.0.0.1:${listen}/dir`,
    apiCaPath: tls.ca.certPath,
    async management(path) {
      const res = await requestText({ url: `https://127.0.0.1:${management}${path}`, ca, servername: 'localhost', timeoutMs: 30_000 });
      if (res.status !== 200) throw new Error(`pebble ${path}: HTTP ${res.status}`);
      return res.body;
    },
  };
}
