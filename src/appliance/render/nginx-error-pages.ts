/**
 * Every status nginx itself can answer with, as OpenAI error JSON (`{"error":{message,type,param,code}}`,
 * `application/json`), with the engine's `type`/`code` vocabulary: clients parse every error body as
 * OpenAI JSON and decide on `type` whether to retry. Upstream answers pass through untouched (the engine
 * already speaks this shape); these cover what nginx produces before, instead of, or around the engine.
 * 408 has no entry: nginx never sends it (a client timeout, even `return 408`, closes the connection).
 */

import type { OpenAIErrorType } from '../../lib/openai-error-type.ts';

export interface EdgeError {
  /** The status sent. */
  status: number;
  message: string;
  type: OpenAIErrorType;
  code: string;
  /** nginx's own codes mapped here (494: headers too large, 495–497: TLS handshake problems). */
  from?: readonly number[];
}

export type EdgeErrorName = keyof ReturnType<typeof edgeErrors>;

/** The table, for a body limit (the same number the engine's own 413 states). */
export function edgeErrors(maxBodyBytes: number) {
  return {
    400: {
      status: 400,
      message: 'The request is malformed (request line, URI escape or header).',
      type: 'invalid_request_error',
      code: 'bad_request',
      from: [495, 496],
    },
    401: {
      status: 401,
      message: 'Invalid or missing API key. Send it as Authorization: Bearer <key> (the key is in /etc/one-appliance/config on the VM).',
      type: 'authentication_error',
      code: 'invalid_api_key',
    },
    403: { status: 403, message: 'Access to this path is forbidden.', type: 'invalid_request_error', code: 'forbidden' },
    404: {
      status: 404,
      message: 'Not found. This endpoint serves /v1/chat/completions, /v1/completions, /v1/models, /healthz, /readyz and /metrics.',
      type: 'not_found_error',
      code: 'not_found',
    },
    405: {
      status: 405,
      message: 'This HTTP method is not allowed for this path.',
      type: 'invalid_request_error',
      code: 'method_not_allowed',
    },
    408: {
      status: 408,
      message: 'The request was not sent completely in time; the connection was closed.',
      type: 'timeout_error',
      code: 'client_timeout',
    },
    413: {
      status: 413,
      message: `The request body is larger than the limit of ${maxBodyBytes} bytes.`,
      type: 'invalid_request_error',
      code: 'request_too_large',
    },
    414: { status: 414, message: 'The request URI is too long.', type: 'invalid_request_error', code: 'uri_too_long' },
    429: {
      status: 429,
      message: 'Too many requests from your address; slow down and retry after the Retry-After delay.',
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
    },
    431: {
      status: 431,
      message: 'The request headers are too large.',
      type: 'invalid_request_error',
      code: 'headers_too_large',
      from: [494],
    },
    497: { status: 400, message: 'This port speaks HTTPS: use an https:// URL.', type: 'invalid_request_error', code: 'https_required' },
    500: {
      status: 500,
      message: 'The edge had an internal error while processing the request.',
      type: 'server_error',
      code: 'internal_error',
    },
    502: {
      status: 502,
      message: 'The inference engine is not reachable (starting or restarting). Retry shortly.',
      type: 'service_unavailable_error',
      code: 'engine_unavailable',
    },
    503: {
      status: 503,
      message: 'The service is temporarily unavailable. Retry shortly.',
      type: 'service_unavailable_error',
      code: 'service_unavailable',
    },
    504: {
      status: 504,
      message: 'The request took longer than the time limit of this endpoint and was stopped.',
      type: 'timeout_error',
      code: 'request_timeout',
    },
  } as const satisfies Record<number, EdgeError>;
}

/** The JSON body (one line, newline-terminated by the renderer) of one edge error. */
export function edgeErrorJson(error: EdgeError): string {
  // Rendered inside a single-quoted nginx string, where nginx itself unescapes \" and \\: keep the
  // constant messages free of quotes and backslashes so the JSON arrives exactly as written.
  if (/["'\\]/.test(error.message)) throw new Error(`edge error message must not contain quotes or backslashes: ${error.message}`);
  return JSON.stringify({ error: { message: error.message, type: error.type, param: null, code: error.code } });
}

/** Internal URI prefix of the error bodies; a client requesting one directly gets the JSON 404. */
export const EDGE_ERROR_PREFIX = '/_slm_copilot_error/';

/**
 * The `error_page` lines alone, for a location that sets its own error_page (nginx then drops every
 * inherited one): the scale-out edge's API location sends 502 to its overflow and keeps the rest.
 */
export function renderErrorPageDirectives(maxBodyBytes: number, except: readonly number[], indent = '        '): string[] {
  return Object.entries(edgeErrors(maxBodyBytes) as Record<string, EdgeError>)
    .filter(([name]) => !except.includes(Number(name)))
    .map(([name, error]) => `${indent}error_page ${[Number(name), ...(error.from ?? [])].join(' ')} = ${EDGE_ERROR_PREFIX}${name};`);
}

/**
 * `error_page` lines and the internal locations they redirect to, for one server block. Error pages are
 * URIs, not named locations: a request whose request line did not parse (bad escape, URI too long) has
 * no URI of its own, and nginx refuses to redirect it to a named location (it answers 500 instead).
 * `retryAfter`: seconds to put in Retry-After for 429 (503 says 5).
 */
export function renderErrorPages(maxBodyBytes: number, retryAfter: number): string[] {
  const table: Record<string, EdgeError> = edgeErrors(maxBodyBytes);
  const lines: string[] = [];
  for (const [name, error] of Object.entries(table)) {
    lines.push(`    error_page ${[Number(name), ...(error.from ?? [])].join(' ')} = ${EDGE_ERROR_PREFIX}${name};`);
  }
  for (const [name, error] of Object.entries(table)) {
    const retry = error.status === 429 ? retryAfter : error.status === 503 ? 5 : undefined;
    lines.push(
      `    location = ${EDGE_ERROR_PREFIX}${name} {`,
      '        internal;',
      ...(retry === undefined ? [] : [`        add_header Retry-After ${retry} always;`]),
      ...(error.status === 401 ? ['        add_header WWW-Authenticate "Bearer" always;'] : []),
      '        default_type application/json;',
      `        return ${error.status} '${edgeErrorJson(error)}\\n';`,
      '    }',
    );
  }
  return lines;
}
