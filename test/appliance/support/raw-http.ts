/**
 * Sends bytes exactly as given (malformed request lines, bad escapes, oversized headers) over TLS or
 * plain TCP and parses the single HTTP/1.x response: what no HTTP client library would send.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes received in total (0: the server closed without answering). */
  bytes: number;
}

export function rawRequest(options: {
  port: number;
  request: string | Buffer;
  tls?: { ca: string | Buffer; servername: string };
}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      options.tls === undefined
        ? netConnect(options.port, '127.0.0.1')
        : tlsConnect({ port: options.port, host: '127.0.0.1', ca: options.tls.ca, servername: options.tls.servername });
    const chunks: Buffer[] = [];
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => socket.write(options.request));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // Done at Content-Length, without waiting for nginx's lingering close of an unread request body.
      const res = parseResponse(Buffer.concat(chunks));
      const length = Number(res.headers['content-length'] ?? Number.NaN);
      if (Buffer.byteLength(res.body) === length) {
        socket.destroy();
        resolve(res);
      }
    });
    socket.on('error', reject);
    // Otherwise (chunked, or nothing at all) the response ends when the server closes.
    socket.on('close', () => resolve(parseResponse(Buffer.concat(chunks))));
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: text, bytes: raw.length };
  const [statusLine, ...headerLines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = text.slice(end + 4);
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0),
    headers,
    body: headers['transfer-encoding'] === 'chunked' ? dechunk(rest) : rest,
    bytes: raw.length,
  };
}

/** The payload of a chunked body; the probes' bodies are ASCII, so byte sizes are string lengths. */
function dechunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (lineEnd < 0 || !(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
