/**
 * The edge's routing pieces for a scale-out service, as pure renderers:
 * - the njs script computing $slm_copilot_route_key: a hash of the request's first user message (the
 *   conversation's identity: Cline and Continue resend it unchanged every turn, while their system prompt
 *   and tool list are identical across users and would send everyone to one engine), falling back to the
 *   client's key + address when the body has no user message;
 * - the http-level lines that load it, and the location lines that send a request to the engines with the
 *   internal credential (the public key never leaves the edge) and fail over on a dead engine.
 * njs is Debian's libnginx-mod-http-js (0.7.9 in bookworm), so the script sticks to what 0.7 supports.
 */

/** Debian's libnginx-mod-http-js (the VM loads it through /etc/nginx/modules-enabled). */
export const NJS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

export const ROUTE_KEY_SCRIPT_NAME = 'slm_copilot_route';

/** How many characters of the first user message form the key (bounded work per request). */
export const ROUTE_KEY_MAX_CHARS = 16_384;

export function renderRouteKeyScript(): string {
  return `// SLM-Copilot edge: the conversation key for cache-aware routing. Written by the edge; edits are overwritten.
var crypto = require('crypto');

function partText(part) {
    if (typeof part === 'string') return part;
    if (part && typeof part.text === 'string') return part.text;
    return '';
}

function firstUserText(body) {
    if (Array.isArray(body.messages)) {
        for (var i = 0; i < body.messages.length; i++) {
            var m = body.messages[i];
            if (!m || m.role !== 'user') continue;
            if (typeof m.content === 'string') return m.content;
            if (Array.isArray(m.content)) return m.content.map(partText).join('\\n');
            return '';
        }
    }
    // /v1/completions: the start of the prompt is the document being edited.
    if (typeof body.prompt === 'string') return body.prompt;
    return '';
}

function routeKey(r) {
    var text = '';
    try {
        // Only in memory when the location buffers the body (client_body_in_single_buffer).
        var raw = r.requestText;
        if (raw) text = firstUserText(JSON.parse(raw)).slice(0, ${ROUTE_KEY_MAX_CHARS});
    } catch (e) {
        text = '';
    }
    var source = text !== '' ? 'm:' + text : 'c:' + (r.headersIn['Authorization'] || r.headersIn['X-Api-Key'] || '') + '@' + r.remoteAddress;
    return crypto.createHash('sha1').update(source).digest('hex');
}

export default { routeKey };
`;
}

export interface EdgeRoutingPaths {
  /** The njs file renderRouteKeyScript() is written to. */
  routeScript: string;
  /** The upstream file renderEngineUpstream() is written to. */
  upstreamFile: string;
  /** 0600 file holding the internal credential map (renderInternalCredentialConf). */
  credentialConf: string;
}

/** http-level lines: the njs module's route key, the engines' upstream, the internal credential. */
export function renderEdgeRoutingHttp(paths: EdgeRoutingPaths): string[] {
  return [
    `js_import ${ROUTE_KEY_SCRIPT_NAME} from ${paths.routeScript};`,
    `js_set $slm_copilot_route_key ${ROUTE_KEY_SCRIPT_NAME}.routeKey;`,
    `include ${paths.upstreamFile};`,
    `include ${paths.credentialConf};`,
  ];
}

/** The credential the edge presents to engines (an nginx map: the value never appears in the site file). */
export function renderInternalCredentialConf(credential: string): string {
  if (!/^[A-Za-z0-9._-]{16,256}$/.test(credential)) throw new Error('internal credential must be 16-256 characters from A-Z a-z 0-9 . _ -');
  return `# SLM-Copilot: the credential the edge presents to its engines. Secret: mode 0600.\nmap "" $slm_copilot_engine_authorization {\n    default "Bearer ${credential}";\n}\n`;
}

/**
 * Location lines that proxy to the engines. The body is read into memory first (the route key needs the
 * first user message), which also lets nginx resend it to the next engine when one is dead.
 */
export function renderEdgeRoutingLocation(options: { maxBodyBytes: number; upstream: string; overflowLocation: string }): string[] {
  return [
    `        error_page 502 = ${options.overflowLocation};`,
    // The overflow's own 502 (no engine at all) still gets the server's JSON error page.
    '        recursive_error_pages on;',
    '        client_body_in_single_buffer on;',
    `        client_body_buffer_size ${options.maxBodyBytes};`,
    '        proxy_request_buffering on;',
    '        proxy_set_header Authorization $slm_copilot_engine_authorization;',
    '        proxy_set_header X-Api-Key "";',
    '        # A dead or full engine: the request goes to the next one. Nothing has reached the client yet, so',
    '        # a POST is safe to resend; once the stream started nginx never retries.',
    '        proxy_next_upstream error timeout http_502 http_503 http_429 non_idempotent;',
    '        proxy_next_upstream_tries 3;',
    '        proxy_next_upstream_timeout 10s;',
    `        proxy_pass http://${options.upstream};`,
  ];
}

/**
 * The named location a request falls back to when every engine is at its bound (nginx's 502 "no live
 * upstreams"): least connections over the same engines, unbounded, so the request waits in an engine's
 * queue instead of failing.
 */
export function renderOverflowLocation(options: { name: string; maxBodyBytes: number; upstream: string }): string[] {
  return [
    `    location ${options.name} {`,
    "        # Reached through error_page: without this, the server's JSON error pages would not apply here.",
    '        recursive_error_pages on;',
    '        client_body_in_single_buffer on;',
    `        client_body_buffer_size ${options.maxBodyBytes};`,
    '        proxy_set_header Authorization $slm_copilot_engine_authorization;',
    '        proxy_set_header X-Api-Key "";',
    '        proxy_next_upstream error timeout http_502 http_503 non_idempotent;',
    '        proxy_next_upstream_tries 3;',
    `        proxy_pass http://${options.upstream};`,
    '    }',
  ];
}
