/**
 * The rendered examples kept in packaging/service/ for review and for the image build: the one-apps
 * service entry, the one-context hooks, the engine unit and an nginx site with placeholder values.
 * `node src/appliance/packaging-examples.ts` rewrites them; a unit test fails when they drift.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_REQUEST_BODY_BYTES } from '../lib/request-limits.ts';
import { PATHS } from './layout.ts';
import { engineUnitText } from './plan/desired-files.ts';
import { type NginxSiteInput, renderNginxSite } from './render/nginx-site.ts';
import { renderScaleOutService, renderScaleOutTimer } from './render/scale-out-units.ts';
import { renderNet90Hook, renderNet99Hook, renderServiceEntry } from './render/service-hooks.ts';
import { APPLIANCE_CA_CERT_FILE, SELF_SIGNED_CHAIN_FILE, SELF_SIGNED_KEY_FILE } from './tls/paths.ts';

const EXAMPLE_SITE: NginxSiteInput = {
  edge: {
    httpsPort: 443,
    httpPort: 80,
    listenAddress: undefined,
    timeoutSeconds: 300,
    rateLimit: 10,
    rateBurst: 20,
    maxConnections: 16,
    maxBodyBytes: MAX_REQUEST_BODY_BYTES,
  },
  engine: { host: '127.0.0.1', port: 8081 },
  paths: {
    certificate: `${PATHS.tlsDir}/${SELF_SIGNED_CHAIN_FILE}`,
    certificateKey: `${PATHS.tlsDir}/${SELF_SIGNED_KEY_FILE}`,
    caCertificate: `${PATHS.tlsDir}/${APPLIANCE_CA_CERT_FILE}`,
    acmeWebroot: PATHS.acmeWebroot,
    keyConf: PATHS.nginxKeyConf,
    accessLog: PATHS.nginxAccessLog,
  },
};

export function packagingExamples(): { file: string; content: string; mode: number }[] {
  return [
    { file: 'service', content: renderServiceEntry(PATHS.cli, PATHS.serviceLock), mode: 0o755 },
    { file: 'net-90-service-appliance', content: renderNet90Hook(PATHS.serviceEntry), mode: 0o755 },
    { file: 'net-99-report-ready', content: renderNet99Hook(PATHS.status, PATHS.oneEnv), mode: 0o755 },
    { file: 'slm-copilot.service', content: engineUnitText(), mode: 0o644 },
    { file: 'slm-copilot-scale-out.service', content: renderScaleOutService(PATHS.cli, PATHS.serviceLock), mode: 0o644 },
    { file: 'slm-copilot-scale-out.timer', content: renderScaleOutTimer(), mode: 0o644 },
    { file: 'nginx-slm-copilot.conf.example', content: renderNginxSite(EXAMPLE_SITE), mode: 0o644 },
    {
      file: 'nginx-slm-copilot-edge.conf.example',
      content: renderNginxSite({
        ...EXAMPLE_SITE,
        scaleOut: {
          routing: {
            routeScript: PATHS.nginxRouteScript,
            upstreamFile: PATHS.nginxEngineUpstream,
            credentialConf: PATHS.nginxEngineCredential,
          },
          edgeMetricsFile: PATHS.edgeMetrics,
        },
      }),
      mode: 0o644,
    },
  ];
}

export const PACKAGING_DIR = fileURLToPath(new URL('../../packaging/service/', import.meta.url));

if (import.meta.main) {
  for (const { file, content, mode } of packagingExamples()) {
    writeFileSync(PACKAGING_DIR + file, content);
    chmodSync(PACKAGING_DIR + file, mode);
  }
}
