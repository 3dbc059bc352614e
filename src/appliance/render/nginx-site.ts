/**
 * The nginx edge in front of the engine (Debian nginx 1.22): TLS, API-key check, per-IP limits,
 * unbuffered streaming, timeouts and OpenAI-shaped JSON errors. Pure: returns the site's text.
 * Every interpolated value is a number, a validated path or a constant — never raw operator input.
 */

import { hostPort } from '../../lib/host-port.ts';
import { PROBE_PATHS } from '../../lib/probe-paths.ts';
import type { EdgeSettings, EngineSettings } from '../plan/plan.ts';
import {
  type EdgeRoutingPaths,
  renderEdgeRoutingHttp,
  renderEdgeRoutingLocation,
  renderOverflowLocation,
} from '../scale-out/edge-routing.ts';
import { ENGINE_UPSTREAM, OVERFLOW_UPSTREAM } from '../scale-out/engine-upstream.ts';
import { EDGE_METRICS_PATH } from '../scale-out/scale-out-site.ts';
import { ACME_CHALLENGE_PREFIX, CA_DOWNLOAD_PATH } from '../tls/paths.ts';
import { renderErrorPageDirectives, renderErrorPages } from './nginx-error-pages.ts';

export interface NginxSitePaths {
  certificate: string;
  certificateKey: string;
  /** The appliance CA certificate, served without the key at CA_DOWNLOAD_PATH (public, checked by fingerprint). */
  caCertificate: string;
  acmeWebroot: string;
  /** The file with the key maps (only place besides the key file and report that holds the key). */
  keyConf: string;
  accessLog: string;
}

export interface NginxSiteInput {
  edge: EdgeSettings;
  engine: Pick<EngineSettings, 'host' | 'port'>;
  paths: NginxSitePaths;
  /**
   * Scale-out edge: instead of the local engine, the service's engines (upstream file from discovery),
   * chosen by the conversation route key, reached with the internal credential; the edge's view at
   * EDGE_METRICS_PATH.
   */
  scaleOut?: { routing: EdgeRoutingPaths; edgeMetricsFile: string };
}

const OVERFLOW_LOCATION = '@slm_copilot_overflow';

export const EDGE_TIMEOUT_MARGIN_SECONDS = 5;

function listen(address: string | undefined, port: number, ssl: boolean): string[] {
  const suffix = `${ssl ? ' ssl' : ''} default_server`;
  if (address !== undefined) return [`    listen ${hostPort(address, port)}${suffix};`];
  return [`    listen ${port}${suffix};`, `    listen [::]:${port}${suffix};`];
}

export function renderNginxSite(input: NginxSiteInput): string {
  const { edge, engine, paths, scaleOut } = input;
  const upstream = scaleOut === undefined ? 'slm_copilot_engine' : ENGINE_UPSTREAM;
  const upstreamBlock =
    scaleOut === undefined
      ? ['upstream slm_copilot_engine {', `    server ${engine.host}:${engine.port};`, '    keepalive 8;', '}']
      : [
          '# The engines of the OneFlow service (discovery rewrites the upstream file) and the conversation key.',
          ...renderEdgeRoutingHttp(scaleOut.routing),
        ];
  const apiLocation =
    scaleOut === undefined
      ? ['        proxy_pass http://slm_copilot_engine;', '    }']
      : [
          ...renderEdgeRoutingLocation({ maxBodyBytes: edge.maxBodyBytes, upstream: ENGINE_UPSTREAM, overflowLocation: OVERFLOW_LOCATION }),
          // Its own error_page (502 → overflow) drops the server's: keep the JSON bodies of the others.
          ...renderErrorPageDirectives(edge.maxBodyBytes, [502]),
          '    }',
          ...renderOverflowLocation({ name: OVERFLOW_LOCATION, maxBodyBytes: edge.maxBodyBytes, upstream: OVERFLOW_UPSTREAM }),
          '',
          "    # The edge's view of the engines (engines, state, last change), with the key.",
          `    location = ${EDGE_METRICS_PATH} {`,
          '        if ($slm_copilot_authorized = 0) {',
          '            return 401;',
          '        }',
          `        alias ${scaleOut.edgeMetricsFile};`,
          '        default_type "text/plain; version=0.0.4";',
          '    }',
        ];
  // The engine stops a request at TIMEOUT with its own OpenAI error; nginx is the backstop a little later
  // (a hung engine, or a request stuck before the engine saw it) and answers a JSON 504.
  const t = `${edge.timeoutSeconds + EDGE_TIMEOUT_MARGIN_SECONDS}s`;
  const retryAfter = Math.max(1, Math.ceil(1 / edge.rateLimit));
  const httpsRedirect = edge.httpsPort === 443 ? 'https://$host$request_uri' : `https://$host:${edge.httpsPort}$request_uri`;
  const errorPages = renderErrorPages(edge.maxBodyBytes, retryAfter);
  const caDownload = [
    `    location = ${CA_DOWNLOAD_PATH} {`,
    `        alias ${paths.caCertificate};`,
    '        types { }',
    '        default_type application/x-pem-file;',
    '    }',
  ];
  return [
    '# SLM-Copilot edge. Written by `slm-copilot configure`; local edits are overwritten.',
    '',
    `include ${paths.keyConf};`,
    '',
    '# Authorized when either header carries the key (the engine checks again).',
    'map "$slm_copilot_bearer_ok$slm_copilot_header_ok" $slm_copilot_authorized {',
    '    default 1;',
    '    "00" 0;',
    '}',
    '',
    `limit_req_zone $binary_remote_addr zone=slm_copilot_req:10m rate=${edge.rateLimit}r/s;`,
    'limit_conn_zone $binary_remote_addr zone=slm_copilot_conn:10m;',
    '',
    '# No Authorization / X-Api-Key and no query string in the log.',
    'log_format slm_copilot \'$remote_addr [$time_iso8601] "$request_method $uri $server_protocol" \'',
    '                       \'$status $body_bytes_sent $request_time "$http_user_agent"\';',
    '',
    ...upstreamBlock,
    '',
    'server {',
    ...listen(edge.listenAddress, edge.httpPort, false),
    '    server_name _;',
    '    server_tokens off;',
    `    access_log ${paths.accessLog} slm_copilot;`,
    '',
    ...caDownload,
    '',
    `    location ^~ ${ACME_CHALLENGE_PREFIX} {`,
    `        root ${paths.acmeWebroot};`,
    '        default_type text/plain;',
    '        try_files $uri =404;',
    '    }',
    '',
    '    location / {',
    `        return 301 ${httpsRedirect};`,
    '    }',
    '',
    ...errorPages,
    '}',
    '',
    'server {',
    ...listen(edge.listenAddress, edge.httpsPort, true),
    '    server_name _;',
    '    server_tokens off;',
    `    access_log ${paths.accessLog} slm_copilot;`,
    '',
    `    ssl_certificate ${paths.certificate};`,
    `    ssl_certificate_key ${paths.certificateKey};`,
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    '    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;',
    '    ssl_prefer_server_ciphers off;',
    '    ssl_session_cache shared:slm_copilot_tls:10m;',
    '    ssl_session_timeout 1d;',
    '    ssl_session_tickets off;',
    '',
    `    client_max_body_size ${edge.maxBodyBytes};`,
    '    client_body_buffer_size 1m;',
    '    default_type application/json;',
    '    gzip off;',
    '',
    '    # Streaming: every token goes to the client as the engine writes it.',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Real-IP $remote_addr;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto https;',
    '    proxy_buffering off;',
    '    # The edge decides buffering, redirects and rate for itself: the upstream cannot steer nginx.',
    '    proxy_ignore_headers X-Accel-Redirect X-Accel-Expires X-Accel-Limit-Rate X-Accel-Buffering X-Accel-Charset;',
    '    proxy_request_buffering off;',
    '    proxy_cache off;',
    '    proxy_connect_timeout 5s;',
    `    proxy_read_timeout ${t};`,
    `    proxy_send_timeout ${t};`,
    `    send_timeout ${t};`,
    '',
    '    limit_req_status 429;',
    '    limit_conn_status 429;',
    '',
    '    # Liveness and readiness pass through unchanged (the engine decides what they mean), public and',
    '    # unlimited, for monitoring and load balancers; so is the CA certificate.',
    ...caDownload,
    ...PROBE_PATHS.flatMap((path) => [`    location = ${path} {`, `        proxy_pass http://${upstream};`, '    }']),
    '',
    '    # Everything else (/v1/*, /metrics) needs the key.',
    '    location / {',
    `        limit_req zone=slm_copilot_req burst=${edge.rateBurst} nodelay;`,
    `        limit_conn slm_copilot_conn ${edge.maxConnections};`,
    '        if ($slm_copilot_authorized = 0) {',
    '            return 401;',
    '        }',
    ...apiLocation,
    '',
    ...errorPages,
    '}',
    '',
  ].join('\n');
}
