/**
 * The edge row through the appliance's real nginx configuration: the site, main config and key maps
 * come from the appliance's own renderers (TLS, key check, limits, unbuffered proxying), written into a
 * private temp tree and run by a non-daemon nginx child, in front of the benchmark's server.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderNginxKeyConf } from '../appliance/render/nginx-key-conf.ts';
import { renderNginxMainConf } from '../appliance/render/nginx-main-conf.ts';
import { renderNginxSite } from '../appliance/render/nginx-site.ts';
import { freePort } from '../lib/free-port.ts';
import { localhostCertificate } from '../lib/localhost-certificate.ts';
import { MAX_REQUEST_BODY_BYTES } from '../lib/request-limits.ts';
import { launchNginx, type TlsProxy } from './nginx-proxy.ts';

export async function startApplianceEdge(dir: string, upstreamPort: number, apiKey: string, nginxBinary = 'nginx'): Promise<TlsProxy> {
  const p = (name: string) => path.join(dir, name);
  await mkdir(p('tmp'), { recursive: true, mode: 0o700 });
  await mkdir(p('acme'), { recursive: true, mode: 0o700 });
  const ca = await localhostCertificate(p('cert.pem'), p('key.pem'));
  const [httpsPort, httpPort] = [await freePort(), await freePort()];
  await writeFile(p('key.conf'), renderNginxKeyConf(apiKey), { mode: 0o600 });
  const site = renderNginxSite({
    // Limits generous enough never to throttle the benchmark's sequential requests.
    edge: {
      httpsPort,
      httpPort,
      listenAddress: '127.0.0.1',
      timeoutSeconds: 600,
      rateLimit: 100,
      rateBurst: 100,
      maxConnections: 64,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
    },
    engine: { host: '127.0.0.1', port: upstreamPort },
    paths: {
      certificate: p('cert.pem'),
      certificateKey: p('key.pem'),
      caCertificate: p('cert.pem'),
      acmeWebroot: p('acme'),
      keyConf: p('key.conf'),
      accessLog: p('access.log'),
    },
  });
  await writeFile(p('site.conf'), site, { mode: 0o600 });
  const main = renderNginxMainConf({
    pidFile: p('nginx.pid'),
    errorLog: p('error.log'),
    tempDir: p('tmp'),
    siteFile: p('site.conf'),
    runAsRoot: process.getuid?.() === 0,
  });
  await writeFile(p('nginx.conf'), main, { mode: 0o600 });
  return launchNginx({
    nginxBinary,
    prefixDir: dir,
    confFile: p('nginx.conf'),
    listenPort: httpsPort,
    ca,
    label: "appliance nginx site (src/appliance/render: TLS, key check, limits) with the bench's self-signed cert",
  });
}
