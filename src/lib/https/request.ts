/**
 * The one HTTP(S) client for talking to our own endpoints: trusts exactly the CA it is given (the
 * appliance's self-signed certificate, pebble's CA) for the name it is given (SNI), bounds the whole
 * exchange with one timeout, stops on an AbortSignal, and hands the body over as it streams.
 */
import { type Agent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export interface HttpRequest {
  /** `https://…` or `http://…`; the connection goes to this host and port. */
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** PEM of the only CA that may have signed the server's certificate; without it, the system CAs. */
  ca?: string | Buffer | undefined;
  /** The name the certificate must cover, also sent as SNI unless it is an IP address (default: the URL's host). */
  servername?: string | undefined;
  /** Bound for the whole exchange, headers and body; the error names the request and the limit. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** A keep-alive agent (the benchmark reuses connections); default: one connection per request. */
  agent?: Agent | undefined;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text chunks in arrival order; read it once (iterate it, or call `text()`). */
  body: AsyncIterable<string> & IncomingMessage;
  text(): Promise<string>;
}

export interface TextResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export class HttpTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} timed out after ${timeoutMs / 1000} s`);
    this.name = 'HttpTimeoutError';
  }
}

/** Resolves when the response headers arrive; the body then streams from `response.body`. */
export function request(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const method = req.method ?? 'GET';
  const what = `${method} ${url.href}`;
  const servername = req.servername ?? url.hostname.replace(/^\[|\]$/g, '');
  const tls =
    url.protocol === 'https:'
      ? {
          ...(req.ca !== undefined ? { ca: req.ca } : {}),
          ...(isIP(servername) === 0 ? { servername } : {}),
          rejectUnauthorized: true,
        }
      : {};
  const abort = new AbortController();
  const timer =
    req.timeoutMs === undefined ? undefined : setTimeout(() => abort.abort(new HttpTimeoutError(what, req.timeoutMs!)), req.timeoutMs);
  const onCallerAbort = () => abort.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const finish = () => {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCallerAbort);
  };
  if (req.signal?.aborted === true) onCallerAbort();

  return new Promise((resolve, reject) => {
    const options = { method, headers: req.headers ?? {}, agent: req.agent ?? false, ...tls };
    const onResponse = (res: IncomingMessage) => {
      res.setEncoding('utf8');
      res.once('close', finish);
      // Errors reach whoever reads the body; an unread body must not crash the process when it fails.
      res.on('error', () => undefined);
      abort.signal.addEventListener('abort', () => res.destroy(abort.signal.reason as Error), { once: true });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: res,
        text: async () => {
          let text = '';
          for await (const chunk of res) text += chunk as string;
          return text;
        },
      });
    };
    const r = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const onAbort = () => r.destroy(abort.signal.reason as Error);
    if (abort.signal.aborted) onAbort();
    else abort.signal.addEventListener('abort', onAbort, { once: true });
    r.on('error', (error) => {
      finish();
      reject(error);
    });
    r.end(req.body);
  });
}

/** The whole exchange as text: for small answers (JSON, health checks, error bodies). */
export async function requestText(req: HttpRequest): Promise<TextResponse> {
  const res = await request(req);
  return { status: res.status, headers: res.headers, body: await res.text() };
}
