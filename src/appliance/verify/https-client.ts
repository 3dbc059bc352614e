/**
 * A small HTTPS client for the self-test and the integration tests: connects to an address, verifies
 * the certificate against a given CA for a given name (SNI), and exposes the response as it streams.
 */

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export interface EdgeRequest {
  /** `https://` or `http://` origin to connect to, e.g. https://127.0.0.1:8443 */
  origin: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM of the CA that must have signed the server certificate; undefined = system CAs. */
  ca?: string | Buffer;
  /** Name the certificate must cover (and SNI); default the origin's host. */
  servername?: string;
  timeoutMs?: number;
}

export interface EdgeResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  /** ms from request start to the first body byte (undefined when the body is empty). */
  firstByteMs: number | undefined;
  /** ms from request start to the end of the body. */
  totalMs: number;
  /** Body chunks with their arrival time (ms from start). */
  chunks: { atMs: number; text: string }[];
}

export function edgeRequest(req: EdgeRequest): Promise<EdgeResponse> {
  const url = new URL(req.path, req.origin);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const servername = req.servername ?? url.hostname;
    const options = {
      method: req.method ?? 'GET',
      headers: { ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
      timeout: req.timeoutMs ?? 60_000,
      ...(url.protocol === 'https:'
        ? {
            ...(req.ca !== undefined ? { ca: req.ca } : {}),
            ...(isIP(servername) === 0 ? { servername } : {}),
            rejectUnauthorized: true,
          }
        : {}),
    };
    const onResponse = (res: IncomingMessage) => {
      const chunks: { atMs: number; text: string }[] = [];
      res.setEncoding('utf8');
      res.on('data', (text: string) => chunks.push({ atMs: performance.now() - started, text }));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: chunks.map((c) => c.text).join(''),
          firstByteMs: chunks[0]?.atMs,
          totalMs: performance.now() - started,
          chunks,
        }),
      );
      res.on('error', reject);
    };
    const r = url.protocol === 'https:' ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    r.on('timeout', () => r.destroy(new Error(`request to ${url.href} timed out`)));
    r.on('error', reject);
    r.end(req.body);
  });
}
