/**
 * Every status the nginx edge itself produces is OpenAI error JSON: a table of raw requests against the
 * real nginx running the appliance's rendered site (TLS from the appliance CA, key check, limits) in
 * front of a stub engine that can hang or reset. Statuses no raw request can cause in this site (403,
 * 500, 503) are produced by `return N` in a probe server that carries the same error pages; 408 is
 * never sent by nginx at all (it closes the connection), which the probe shows too.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { edgeErrors, renderErrorPages } from '../../src/appliance/render/nginx-error-pages.ts';
import { renderNginxKeyConf } from '../../src/appliance/render/nginx-key-conf.ts';
import { renderNginxMainConf } from '../../src/appliance/render/nginx-main-conf.ts';
import { renderNginxSite } from '../../src/appliance/render/nginx-site.ts';
import { ensureSelfSignedCertificate } from '../../src/appliance/tls/ensure-self-signed-certificate.ts';
import { CA_DOWNLOAD_PATH } from '../../src/appliance/tls/paths.ts';
import { launchNginx, type TlsProxy } from '../../src/bench/nginx-proxy.ts';
import {
  AuthenticationError,
  PayloadTooLargeError,
  QueueFullError,
  RequestTimeoutError,
  ServiceUnavailableError,
} from '../../src/engine/api/api-errors.ts';
import { toOpenAIError } from '../../src/engine/api/openai-error.ts';
import { systemCommandRunner } from '../../src/lib/command-runner.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/lib/request-limits.ts';
import { type RawResponse, rawRequest } from './support/raw-http.ts';

const KEY = 'sk-EdgeProbeKey0123456789abcdefghijklmn';
const TABLE = edgeErrors(MAX_REQUEST_BODY_BYTES);
type Name = keyof typeof TABLE;

describe('nginx edge errors are OpenAI JSON (real nginx, rendered site)', () => {
  let dir: string;
  let nginx: TlsProxy;
  let stub: Server;
  let ca: string;
  let ports: { https: number; http: number; probe: number };
  const seen: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slm-edge-errors-'));
    for (const d of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'acme/.well-known/acme-challenge', 'logs'])
      await mkdir(join(dir, d), { recursive: true });
    await writeFile(join(dir, 'acme/.well-known/acme-challenge/token'), 'token');
    const tls = await ensureSelfSignedCertificate({ dir: join(dir, 'tls'), hostname: 'localhost', ips: [], runner: systemCommandRunner });
    ca = await readFile(tls.ca.certPath, 'utf8');
    // The stub engine: /v1/hang never answers, /v1/reset drops the connection, the rest is a 200.
    stub = createServer((req, res) => {
      req.resume();
      if (req.url === '/v1/hang') return;
      if (req.url === '/v1/reset') return req.socket.destroy();
      if (req.url === '/v1/engine-error') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"from the engine","type":"invalid_request_error","param":"messages","code":null}}');
      }
      // Like the engine: the answer comes after the whole body.
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"object":"list","data":[]}');
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    ports = { https: await freePort(), http: await freePort(), probe: await freePort() };
    await writeFile(join(dir, 'key.conf'), renderNginxKeyConf(KEY));
    const site = renderNginxSite({
      edge: {
        httpsPort: ports.https,
        httpPort: ports.http,
        listenAddress: '127.0.0.1',
        timeoutSeconds: 1,
        rateLimit: 100,
        rateBurst: 100,
        // One connection per client: a second one while /v1/hang is pending is the 429 probe.
        maxConnections: 1,
        maxBodyBytes: MAX_REQUEST_BODY_BYTES,
      },
      engine: { host: '127.0.0.1', port: (stub.address() as AddressInfo).port },
      paths: {
        certificate: tls.certPath,
        certificateKey: tls.keyPath,
        caCertificate: tls.ca.certPath,
        acmeWebroot: join(dir, 'acme'),
        keyConf: join(dir, 'key.conf'),
        accessLog: join(dir, 'logs/access.log'),
      },
    });
    const probe = [
      'server {',
      `    listen 127.0.0.1:${ports.probe};`,
      ...[403, 408, 500, 503].map((code) => `    location = /status/${code} { return ${code}; }`),
      ...renderErrorPages(MAX_REQUEST_BODY_BYTES, 1),
      '}',
    ].join('\n');
    await writeFile(join(dir, 'site.conf'), `${site}\n${probe}\n`);
    await writeFile(
      join(dir, 'nginx.conf'),
      renderNginxMainConf({
        pidFile: join(dir, 'nginx.pid'),
        errorLog: join(dir, 'logs/error.log'),
        tempDir: join(dir, 'tmp'),
        siteFile: join(dir, 'site.conf'),
        runAsRoot: process.getuid?.() === 0,
      }),
    );
    nginx = await launchNginx({
      nginxBinary: 'nginx',
      prefixDir: `${dir}/`,
      confFile: join(dir, 'nginx.conf'),
      listenPort: ports.https,
      ca,
      label: 'edge error probes',
    });
  });

  after(async (t) => {
    t.diagnostic(`probe table:\n${seen.join('\n')}`);
    await nginx?.stop();
    await new Promise((resolve) => stub?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const https = (request: string | Buffer) => rawRequest({ port: ports.https, request, tls: { ca, servername: 'localhost' } });
  const http = (port: number, request: string) => rawRequest({ port, request });
  const auth = `Authorization: Bearer ${KEY}\r\n`;

  /** The status, JSON content type and exact OpenAI body of one edge error. */
  function assertEdgeError(probe: string, res: RawResponse, name: Name) {
    const want = TABLE[name];
    seen.push(`${probe.padEnd(44)} → ${res.status} ${res.headers['content-type']} ${want.type}/${want.code}`);
    assert.equal(res.status, want.status, probe);
    assert.equal(res.headers['content-type'], 'application/json', probe);
    assert.deepEqual(JSON.parse(res.body), { error: { message: want.message, type: want.type, param: null, code: want.code } }, probe);
  }

  test('malformed requests: bad escape, garbage request line, no Host, plain HTTP on the TLS port → 400', async () => {
    assertEdgeError(
      'GET /v1/%zz (bad URI escape)',
      await https('GET /v1/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      400,
    );
    assertEdgeError('GARBAGE request line', await https('GARBAGE\r\n\r\n'), 400);
    assertEdgeError('HTTP/1.1 without Host', await https('GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\n'), 400);
    assertEdgeError(
      'GET /v1/%zz on port 80',
      await http(ports.http, 'GET /v1/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      400,
    );
    assertEdgeError(
      'plain HTTP to the HTTPS port (nginx 497)',
      await http(ports.https, 'GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      497,
    );
  });

  test('401 without or with a wrong key, with WWW-Authenticate', async () => {
    const res = await https('GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assertEdgeError('GET /v1/models without a key', res, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assertEdgeError(
      'GET /v1/models with a wrong key',
      await https('GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer sk-wrong\r\nConnection: close\r\n\r\n'),
      401,
    );
    const ok = await https(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`);
    assert.equal(ok.status, 200, 'the key opens the door: the probes above failed for their reason only');
  });

  test('404 and 405 from nginx itself', async () => {
    assertEdgeError(
      'GET /.well-known/acme-challenge/none (:80)',
      await http(ports.http, 'GET /.well-known/acme-challenge/none HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      404,
    );
    assertEdgeError(
      'GET /_slm_copilot_error/500 (internal)',
      await https('GET /_slm_copilot_error/500 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      404,
    );
    assertEdgeError(
      'TRACE /v1/models',
      await https(`TRACE /v1/models HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`),
      405,
    );
    assertEdgeError(
      'POST to an ACME token (:80, static file)',
      await http(
        ports.http,
        'POST /.well-known/acme-challenge/token HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx',
      ),
      405,
    );
  });

  test('413 for a body over the limit the engine uses too, 414 for a 9 KB URI, 431 for a 9 KB header', async () => {
    const over = `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nContent-Length: ${MAX_REQUEST_BODY_BYTES + 1}\r\nConnection: close\r\n\r\n`;
    const res = await https(over);
    assertEdgeError(`POST, Content-Length ${MAX_REQUEST_BODY_BYTES + 1}`, res, 413);
    assert.deepEqual(
      JSON.parse(res.body),
      toOpenAIError(new PayloadTooLargeError(MAX_REQUEST_BODY_BYTES)).body,
      'word for word the engine’s 413',
    );
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const chunked = Buffer.concat([
      Buffer.from(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`,
      ),
      ...Array.from({ length: 9 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
      Buffer.from('0\r\n\r\n'),
    ]);
    assertEdgeError('POST, chunked, 9 MiB', await https(chunked), 413);
    assertEdgeError(
      'GET /v1/<9 KB>',
      await https(`GET /v1/${'a'.repeat(9000)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`),
      414,
    );
    assertEdgeError(
      'X-Big: <9 KB> (nginx 494)',
      await https(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(9000)}\r\nConnection: close\r\n\r\n`),
      431,
    );
  });

  test('upstream trouble: 504 when the engine hangs, 429 for a second connection meanwhile, 502 when it drops', async () => {
    const hang = https(`GET /v1/hang HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`);
    // The hung request holds this client's only connection slot until nginx gives up on it.
    let busy = await https(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`);
    for (let tries = 0; busy.status === 200 && tries < 100; tries++) {
      busy = await https(`GET /v1/models HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`);
    }
    assertEdgeError('second connection while one is open (limit_conn)', busy, 429);
    assert.equal(busy.headers['retry-after'], '1');
    assertEdgeError('engine never answers (timeout + margin)', await hang, 504);
    assertEdgeError(
      'engine drops the connection',
      await https(`GET /v1/reset HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`),
      502,
    );
    const own = await https(`GET /v1/engine-error HTTP/1.1\r\nHost: localhost\r\n${auth}Connection: close\r\n\r\n`);
    assert.equal(own.status, 400);
    assert.equal(JSON.parse(own.body).error.message, 'from the engine', 'the engine’s own errors pass through untouched');
  });

  test('statuses only nginx internals produce (403, 500, 503) get the same JSON; 408 is never sent', async () => {
    for (const code of [403, 500, 503] as const) {
      const res = await http(ports.probe, `GET /status/${code} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      assertEdgeError(`return ${code} (probe server, same error pages)`, res, code);
      if (code === 503) assert.equal(res.headers['retry-after'], '5');
    }
    // nginx answers a client timeout (and even `return 408`) by closing the connection without a byte.
    const timeout = await http(ports.probe, 'GET /status/408 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    seen.push(`${'return 408 (client timeout)'.padEnd(44)} → connection closed, ${timeout.bytes} bytes`);
    assert.equal(timeout.bytes, 0);
  });

  test('the type and code of each edge error agree with the engine’s error for the same case', () => {
    const engine = (e: Parameters<typeof toOpenAIError>[0]) => toOpenAIError(e).body.error;
    const same = (name: Name, e: ReturnType<typeof engine>, fields: ('type' | 'code')[]) => {
      for (const f of fields) assert.equal(TABLE[name][f], e[f], `${name}.${f}`);
    };
    same(401, engine(new AuthenticationError()), ['type', 'code']);
    same(413, engine(new PayloadTooLargeError(1)), ['type', 'code']);
    same(429, engine(new QueueFullError(1)), ['type']);
    same(503, engine(new ServiceUnavailableError('x', 'y')), ['type']);
    same(504, engine(new RequestTimeoutError(1)), ['type', 'code']);
  });

  test('the CA certificate is served without a key on :80 and :443, byte for byte', async () => {
    const plain = await http(ports.http, `GET ${CA_DOWNLOAD_PATH} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], 'application/x-pem-file');
    assert.equal(plain.body, ca);
    const secure = await https(`GET ${CA_DOWNLOAD_PATH} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    assert.equal(secure.body, ca);
  });
});
