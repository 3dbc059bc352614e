/**
 * The nginx edge in front of the engine (Debian nginx 1.22): TLS, API-key check, per-IP limits,
 * unbuffered streaming, timeouts and OpenAI-shaped JSON errors. Pure: returns the site's text.
 * Every interpolated value is a number, a validated path or a constant — never raw operator input.
 */
import { PROBE_PATHS } from '../../lib/probe-paths.ts';
import type { EdgeSettings, EngineSettings } from '../plan/plan.ts';
import { ACME_CHALLENGE_PREFIX } from '../tls/paths.ts';

export interface NginxSitePaths {
  certificate: string;
  certificateKey: string;
  acmeWebroot: string;
  /** The file with the key maps (only place besides the key file and report that holds the key). */
  keyConf: string;
  accessLog: string;
}

export interface NginxSiteInput {
  edge: EdgeSettings;
  engine: Pick<EngineSettings, 'host' | 'port'>;
  paths: NginxSitePaths;
}

function errorJson(message: string, type: string, code: string): string {
  // Rendered inside a single-quoted nginx string, where nginx itself unescapes \" and \\: keep the
  // constant messages free of quotes and backslashes so the JSON arrives exactly as written.
  if (/["'\\]/.test(message)) throw new Error(`edge error message must not contain quotes or backslashes: ${message}`);
  return JSON.stringify({ error: { message, type, param: null, code } });
}

export const EDGE_TIMEOUT_MARGIN_SECONDS = 5;

export const EDGE_ERRORS = {
  401: errorJson(
    'Invalid or missing API key. Send it as Authorization: Bearer <key> (the key is in /etc/one-appliance/config on the VM).',
    'authentication_error',
    'invalid_api_key',
  ),
  413: errorJson('The request body is too large for this endpoint.', 'invalid_request_error', 'request_too_large'),
  429: errorJson(
    'Too many requests from your address; slow down and retry after the Retry-After delay.',
    'rate_limit_error',
    'rate_limit_exceeded',
  ),
  502: errorJson(
    'The inference engine is not reachable (starting or restarting). Retry shortly.',
    'service_unavailable_error',
    'engine_unavailable',
  ),
  503: errorJson('The service is temporarily unavailable. Retry shortly.', 'service_unavailable_error', 'service_unavailable'),
  504: errorJson('The request took longer than the time limit of this endpoint and was stopped.', 'timeout_error', 'request_timeout'),
} as const;

function listen(address: string | undefined, port: number, ssl: boolean): string[] {
  const suffix = `${ssl ? ' ssl' : ''} default_server`;
  if (address !== undefined) return [`    listen ${address.includes(':') ? `[${address}]` : address}:${port}${suffix};`];
  return [`    listen ${port}${suffix};`, `    listen [::]:${port}${suffix};`];
}

export function renderNginxSite(input: NginxSiteInput): string {
  const { edge, engine, paths } = input;
  // The engine stops a request at TIMEOUT with its own OpenAI error; nginx is the backstop a little later
  // (a hung engine, or a request stuck before the engine saw it) and answers a JSON 504.
  const t = `${edge.timeoutSeconds + EDGE_TIMEOUT_MARGIN_SECONDS}s`;
  const retryAfter = Math.max(1, Math.ceil(1 / edge.rateLimit));
  const httpsRedirect = edge.httpsPort === 443 ? 'https://$host$request_uri' : `https://$host:${edge.httpsPort}$request_uri`;
  const errorLocations = ([413, 429, 502, 503, 504] as const).flatMap((code) => [
    `    location @slm_copilot_${code} {`,
    ...(code === 429 || code === 503 ? [`        add_header Retry-After ${code === 429 ? retryAfter : 5} always;`] : []),
    `        default_type application/json;`,
    `        return ${code} '${EDGE_ERRORS[code]}\\n';`,
    `    }`,
  ]);
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
    'upstream slm_copilot_engine {',
    `    server ${engine.host}:${engine.port};`,
    '    keepalive 8;',
    '}',
    '',
    'server {',
    ...listen(edge.listenAddress, edge.httpPort, false),
    '    server_name _;',
    '    server_tokens off;',
    `    access_log ${paths.accessLog} slm_copilot;`,
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
    `    client_max_body_size ${edge.maxBodyMegabytes}m;`,
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
    '    error_page 413 = @slm_copilot_413;',
    '    error_page 429 = @slm_copilot_429;',
    '    error_page 502 = @slm_copilot_502;',
    '    error_page 503 = @slm_copilot_503;',
    '    error_page 504 = @slm_copilot_504;',
    '',
    '    # Liveness and readiness pass through unchanged (the engine decides what they mean), public and',
    '    # unlimited, for monitoring and load balancers.',
    ...PROBE_PATHS.flatMap((path) => [`    location = ${path} {`, '        proxy_pass http://slm_copilot_engine;', '    }']),
    '',
    '    # Everything else (/v1/*, /metrics) needs the key.',
    '    location / {',
    `        limit_req zone=slm_copilot_req burst=${edge.rateBurst} nodelay;`,
    `        limit_conn slm_copilot_conn ${edge.maxConnections};`,
    '        if ($slm_copilot_authorized = 0) {',
    '            add_header WWW-Authenticate "Bearer" always;',
    `            return 401 '${EDGE_ERRORS[401]}\\n';`,
    '        }',
    '        proxy_pass http://slm_copilot_engine;',
    '    }',
    '',
    ...errorLocations,
    '}',
    '',
  ].join('\n');
}
