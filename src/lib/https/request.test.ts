import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { HttpTimeoutError, request, requestText } from './request.ts';

/** A self-signed certificate for `localhost` and 127.0.0.1, made by the real openssl. */
function selfSigned(dir: string, name: string): { cert: Buffer; key: Buffer } {
  const [cert, key] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  const args =
    'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -addext subjectAltName=DNS:localhost,IP:127.0.0.1';
  execFileSync('openssl', [...args.split(' '), '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('request: CA-pinned HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lib-https-'));
  const served = selfSigned(dir, 'served');
  const other = selfSigned(dir, 'other');
  let server: Server;
  let origin: string;
  let sni: string | false | null | undefined;
  let releaseSecond: () => void = () => {};
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/hello': (_req, res) => res.end('hello'),
    '/echo': (req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => res.end(`${req.method} ${req.headers['content-type']} ${body}`));
    },
    // Sends the second half only once the client has seen the first: a client that buffers the body never gets it.
    '/stream': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('first\n');
      releaseSecond = () => res.end('second\n');
    },
    '/hang': (_req, res) => {
      res.writeHead(200);
      res.write('started');
    },
  };

  before(async () => {
    server = createServer({ cert: served.cert, key: served.key }, (req, res) => {
      sni = (req.socket as TLSSocket).servername;
      routes[req.url ?? '']?.(req, res);
    });
    origin = `https://127.0.0.1:${await listen(server)}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('trusts the given CA for the given name, sent as SNI', async () => {
    const res = await requestText({ url: `${origin}/hello`, ca: served.cert, servername: 'localhost' });
    assert.deepEqual([res.status, res.body, sni], [200, 'hello', 'localhost']);
  });

  test('an IP address is verified against the certificate but not sent as SNI', async () => {
    const res = await requestText({ url: `${origin}/hello`, ca: served.cert });
    assert.deepEqual([res.status, sni], [200, false]);
  });

  test('refuses a certificate the pinned CA did not sign, and one for another name', async () => {
    await assert.rejects(requestText({ url: `${origin}/hello`, ca: other.cert, servername: 'localhost' }), {
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    await assert.rejects(requestText({ url: `${origin}/hello`, ca: served.cert, servername: 'copilot.example.org' }), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    await assert.rejects(requestText({ url: `${origin}/hello`, servername: 'localhost' }), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  test('sends method, headers and body', async () => {
    const res = await requestText({
      url: `${origin}/echo`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      ca: served.cert,
    });
    assert.equal(res.body, 'POST application/json {"a":1}');
  });

  test('streams the body: the first chunk arrives while the server still holds the rest', async () => {
    const res = await request({ url: `${origin}/stream`, ca: served.cert, timeoutMs: 60_000 });
    const seen: string[] = [];
    for await (const chunk of res.body) {
      seen.push(chunk);
      if (seen.join('') === 'first\n') releaseSecond();
    }
    assert.equal(seen.join(''), 'first\nsecond\n');
  });

  test('the timeout bounds the whole exchange, body included, and names the request', async () => {
    const res = await request({ url: `${origin}/hang`, ca: served.cert, timeoutMs: 300 });
    assert.equal(res.status, 200);
    const error = await res.text().catch((e: unknown) => e);
    assert.ok(error instanceof HttpTimeoutError);
    assert.equal(error.message, `GET ${origin}/hang timed out after 0.3 s`);
  });

  test('an AbortSignal stops the request, before and after the headers, with its reason', async () => {
    const reason = new Error('client went away');
    const controller = new AbortController();
    const res = await request({ url: `${origin}/hang`, ca: served.cert, signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(res.text(), (e) => e === reason);
    await assert.rejects(request({ url: `${origin}/hello`, ca: served.cert, signal: AbortSignal.abort(reason) }), (e) => e === reason);
  });
});

test('plain HTTP with a Host header (the ACME webroot probe)', async () => {
  const server = createHttpServer((req, res) => res.end(req.headers.host));
  const port = await listen(server);
  try {
    const res = await requestText({
      url: `http://127.0.0.1:${port}/.well-known/acme-challenge/t`,
      headers: { host: 'copilot.example.org' },
    });
    assert.deepEqual([res.status, res.body], [200, 'copilot.example.org']);
  } finally {
    server.close();
  }
});
