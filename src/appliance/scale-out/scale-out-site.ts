/**
 * The scale-out edge's nginx site for the local stack (`up --engines N`, tests, bench): loopback, the public
 * key checked at the door, the conversation route key, the engines' upstream, the internal credential
 * towards the engines. Pure. (The VM edge reuses the same routing fragments inside its TLS site.)
 */

import { type EdgeRoutingPaths, renderEdgeRoutingHttp, renderEdgeRoutingLocation, renderOverflowLocation } from './edge-routing.ts';
import { ENGINE_UPSTREAM, OVERFLOW_UPSTREAM } from './engine-upstream.ts';

export interface ScaleOutSiteInput {
  listen: string;
  /** The nginx key maps (renderNginxKeyConf): $slm_copilot_bearer_ok / $slm_copilot_header_ok. */
  keyConf: string;
  routing: EdgeRoutingPaths;
  maxBodyBytes: number;
  timeoutSeconds: number;
  /** Local stack only: answer which engine served (X-Slm-Copilot-Engine), for tests and the bench. */
  revealEngine: boolean;
  /** The edge's view (renderEdgeMetrics), written by each discovery pass, served at EDGE_METRICS_PATH. */
  edgeMetricsFile: string;
}

/** The edge's own metrics (engines, state, last change); the engines' /metrics stay on the engines. */
export const EDGE_METRICS_PATH = '/metrics/edge';

export function renderScaleOutSite(input: ScaleOutSiteInput): string {
  const t = `${input.timeoutSeconds}s`;
  return [
    '# SLM-Copilot scale-out edge (local). Written by `slm-copilot up --engines N`; edits are overwritten.',
    `include ${input.keyConf};`,
    'map "$slm_copilot_bearer_ok$slm_copilot_header_ok" $slm_copilot_authorized {',
    '    default 1;',
    '    "00" 0;',
    '}',
    ...renderEdgeRoutingHttp(input.routing),
    '',
    'server {',
    `    listen ${input.listen};`,
    '    server_tokens off;',
    `    client_max_body_size ${input.maxBodyBytes};`,
    '    default_type application/json;',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    '    proxy_buffering off;',
    '    proxy_cache off;',
    '    proxy_connect_timeout 2s;',
    `    proxy_read_timeout ${t};`,
    `    proxy_send_timeout ${t};`,
    ...(input.revealEngine ? ['    add_header X-Slm-Copilot-Engine $upstream_addr always;'] : []),
    '',
    `    location = ${EDGE_METRICS_PATH} {`,
    '        if ($slm_copilot_authorized = 0) {',
    '            return 401;',
    '        }',
    `        alias ${input.edgeMetricsFile};`,
    '        default_type "text/plain; version=0.0.4";',
    '    }',
    '',
    '    location / {',
    '        if ($slm_copilot_authorized = 0) {',
    '            return 401 \'{"error":{"message":"Invalid or missing API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}\';',
    '        }',
    ...renderEdgeRoutingLocation({
      maxBodyBytes: input.maxBodyBytes,
      upstream: ENGINE_UPSTREAM,
      overflowLocation: '@slm_copilot_overflow',
    }),
    '    }',
    ...renderOverflowLocation({ name: '@slm_copilot_overflow', maxBodyBytes: input.maxBodyBytes, upstream: OVERFLOW_UPSTREAM }),
    '}',
    '',
  ].join('\n');
}
