import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { localhostCertificate } from '../../lib/localhost-certificate.ts';
import { PROBE_PATHS } from '../../lib/probe-paths.ts';
import type { EdgeSettings } from '../plan/plan.ts';
import { edgeErrorJson, edgeErrors } from './nginx-error-pages.ts';
import { renderNginxKeyConf } from './nginx-key-conf.ts';
import { renderNginxMainConf } from './nginx-main-conf.ts';
import { EDGE_TIMEOUT_MARGIN_SECONDS, renderNginxSite } from './nginx-site.ts';

const edge: EdgeSettings = {
  httpsPort: 443,
  httpPort: 80,
  listenAddress: undefined,
  timeoutSeconds: 300,
  rateLimit: 7,
  rateBurst: 13,
  maxConnections: 5,
  maxBodyBytes: 8388608,
};
const paths = {
  certificate: '/var/lib/slm-copilot/tls/cert.pem',
  certificateKey: '/var/lib/slm-copilot/tls/key.pem',
  caCertificate: '/var/lib/slm-copilot/tls/ca.pem',
  acmeWebroot: '/var/lib/slm-copilot/acme',
  keyConf: '/etc/nginx/slm-copilot/api-key.conf',
  accessLog: '/var/log/nginx/slm-copilot.access.log',
};
const KEY = 'sk-TestKey.with-dots_and_dashes0123456789';

describe('renderNginxSite', () => {
  const site = renderNginxSite({ edge, engine: { host: '127.0.0.1', port: 8081 }, paths });

  it('serves TLS 1.2/1.3 only, hides the version, streams unbuffered over HTTP/1.1', () => {
    assert.match(site, /ssl_protocols TLSv1\.2 TLSv1\.3;/);
    assert.match(site, /server_tokens off;/);
    assert.match(site, /proxy_buffering off;/);
    assert.match(site, /proxy_http_version 1\.1;/);
    assert.match(site, /proxy_set_header Connection "";/);
    assert.match(site, new RegExp(`proxy_read_timeout ${300 + EDGE_TIMEOUT_MARGIN_SECONDS}s;`));
    assert.match(site, /client_max_body_size 8388608;/);
    assert.doesNotMatch(site, /ssl_ciphers[^;]*(RC4|3DES|CBC|SHA:)/);
  });

  it('limits per client IP with 429 and Retry-After', () => {
    assert.match(site, /limit_req_zone \$binary_remote_addr zone=slm_copilot_req:10m rate=7r\/s;/);
    assert.match(site, /limit_req zone=slm_copilot_req burst=13 nodelay;/);
    assert.match(site, /limit_conn slm_copilot_conn 5;/);
    assert.match(site, /limit_req_status 429;/);
    assert.match(site, /location = \/_slm_copilot_error\/429 \{\n\s+internal;\n\s+add_header Retry-After 1 always;/);
  });

  it('redirects port 80 to HTTPS except the ACME webroot', () => {
    assert.match(site, /location \^~ \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/lib\/slm-copilot\/acme;/);
    assert.match(site, /return 301 https:\/\/\$host\$request_uri;/);
    const sandbox = renderNginxSite({
      edge: { ...edge, httpsPort: 8443, httpPort: 8080, listenAddress: '127.0.0.1' },
      engine: { host: '127.0.0.1', port: 9000 },
      paths,
    });
    assert.match(sandbox, /return 301 https:\/\/\$host:8443\$request_uri;/);
    assert.match(sandbox, /listen 127\.0\.0\.1:8443 ssl default_server;/);
  });

  it('keeps health public and everything else behind the key', () => {
    const firstProbe = site.indexOf(`location = ${PROBE_PATHS[0]} {`);
    assert.notEqual(firstProbe, -1);
    const publicBlock = site.slice(firstProbe, site.indexOf('location / {', firstProbe));
    assert.doesNotMatch(publicBlock, /slm_copilot_authorized/);
    const protectedBlock = site.slice(site.indexOf('location / {', firstProbe));
    assert.match(protectedBlock, /if \(\$slm_copilot_authorized = 0\) \{[^}]*return 401/);
  });

  it('passes every probe path to the same engine path, so /health means readiness at the edge as in the engine', () => {
    for (const path of PROBE_PATHS) {
      assert.match(site, new RegExp(`location = ${path} \\{\\n\\s+proxy_pass http://slm_copilot_engine;\\n\\s+\\}`), path);
    }
    assert.deepEqual(PROBE_PATHS, ['/healthz', '/readyz', '/health']);
  });

  it('never logs the Authorization header or query strings, and never contains the key', () => {
    const format = site.slice(site.indexOf('log_format'), site.indexOf(';', site.indexOf('log_format')));
    assert.doesNotMatch(format, /http_authorization|http_x_api_key|\$request |\$request_uri|\$args/);
    assert.ok(!site.includes(KEY));
  });

  it('answers every status nginx can produce with OpenAI-shaped JSON, in both server blocks', () => {
    const table = edgeErrors(edge.maxBodyBytes);
    for (const [name, error] of Object.entries(table)) {
      const parsed = JSON.parse(edgeErrorJson(error)) as { error: Record<string, unknown> };
      assert.deepEqual(Object.keys(parsed.error), ['message', 'type', 'param', 'code'], name);
      assert.equal(parsed.error['param'], null);
      const location = `location = /_slm_copilot_error/${name} {`;
      assert.equal(site.split(location).length - 1, 2, `${name}: a named location on :80 and on :443`);
      const block = site.slice(site.indexOf(location), site.indexOf('\n    }', site.indexOf(location)));
      assert.ok(block.includes(`return ${error.status} '${edgeErrorJson(error)}\\n';`), name);
      assert.ok(block.includes('default_type application/json;'), name);
    }
    for (const codes of ['400 495 496', '401', '403', '404', '405', '413', '414', '429', '431 494', '497', '500', '502', '503', '504'])
      assert.equal(site.split(`error_page ${codes} = /_slm_copilot_error/`).length - 1, 2, codes);
    assert.equal(table[413].message, `The request body is larger than the limit of ${edge.maxBodyBytes} bytes.`);
    assert.match(site, /location = \/_slm_copilot_error\/401 \{\n\s+internal;\n\s+add_header WWW-Authenticate "Bearer" always;/);
  });

  it('offers the CA certificate without the key, on :80 and on :443', () => {
    const download = 'location = /slm-copilot-ca.pem {\n        alias /var/lib/slm-copilot/tls/ca.pem;';
    assert.equal(site.split(download).length - 1, 2);
  });

  it('is accepted by the real nginx -t, with the key maps and the sandbox main conf', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'slm-nginx-t-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await localhostCertificate(join(dir, 'cert.pem'), join(dir, 'key.pem'));
    for (const d of ['temp', 'acme', 'logs']) mkdirSync(join(dir, d));
    const p = {
      certificate: join(dir, 'cert.pem'),
      certificateKey: join(dir, 'key.pem'),
      caCertificate: join(dir, 'cert.pem'),
      acmeWebroot: join(dir, 'acme'),
      keyConf: join(dir, 'key.conf'),
      accessLog: join(dir, 'logs/access.log'),
    };
    writeFileSync(join(dir, 'key.conf'), renderNginxKeyConf(KEY));
    writeFileSync(
      join(dir, 'site.conf'),
      renderNginxSite({
        edge: { ...edge, httpsPort: 18443, httpPort: 18080, listenAddress: '127.0.0.1' },
        engine: { host: '127.0.0.1', port: 18081 },
        paths: p,
      }),
    );
    writeFileSync(
      join(dir, 'nginx.conf'),
      renderNginxMainConf({
        pidFile: join(dir, 'nginx.pid'),
        errorLog: join(dir, 'logs/error.log'),
        tempDir: join(dir, 'temp'),
        siteFile: join(dir, 'site.conf'),
        runAsRoot: process.getuid?.() === 0,
      }),
    );
    execFileSync('nginx', ['-t', '-q', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs/error.log')], {
      stdio: 'pipe',
    });
  });
});

describe("in Debian's stock nginx.conf", () => {
  it('is accepted by nginx -t next to the distribution defaults (http-level maps, zones, log format)', async (t) => {
    let stock: string;
    try {
      stock = readFileSync('/etc/nginx/nginx.conf', 'utf8');
    } catch {
      return t.skip('no /etc/nginx/nginx.conf');
    }
    const dir = mkdtempSync(join(tmpdir(), 'slm-nginx-stock-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    await localhostCertificate(join(dir, 'cert.pem'), join(dir, 'key.pem'));
    writeFileSync(join(dir, 'key.conf'), renderNginxKeyConf(KEY));
    const p = {
      certificate: join(dir, 'cert.pem'),
      certificateKey: join(dir, 'key.pem'),
      caCertificate: join(dir, 'cert.pem'),
      acmeWebroot: dir,
      keyConf: join(dir, 'key.conf'),
      accessLog: join(dir, 'access.log'),
    };
    writeFileSync(join(dir, 'site.conf'), renderNginxSite({ edge, engine: { host: '127.0.0.1', port: 8081 }, paths: p }));
    const conf = stock
      .replace(/^\s*include\s+\/etc\/nginx\/sites-enabled\/\*;/m, `include ${join(dir, 'site.conf')};`)
      .replace(/^\s*include\s+\/etc\/nginx\/conf\.d\/\*\.conf;/m, '')
      .replace(/^pid .*;/m, `pid ${join(dir, 'nginx.pid')};`)
      .replace(/^\s*(access|error)_log\s+\/var\/log\/nginx\/[a-z.]+;/gm, (_m, kind: string) => `${kind}_log ${join(dir, `${kind}.log`)};`);
    assert.ok(conf.includes(join(dir, 'site.conf')), 'stock nginx.conf includes sites-enabled');
    writeFileSync(join(dir, 'nginx.conf'), conf);
    if (process.getuid?.() !== 0) return t.skip('nginx -t on the stock config needs root (user directive)');
    execFileSync('nginx', ['-t', '-q', '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'pipe' });
  });
});

describe('renderNginxKeyConf', () => {
  it('matches the key case-sensitively in both headers, with dots escaped', () => {
    const conf = renderNginxKeyConf(KEY);
    assert.ok(conf.includes('"~^Bearer +sk-TestKey[.]with-dots_and_dashes0123456789$" 1;'));
    assert.ok(conf.includes('"~^sk-TestKey[.]with-dots_and_dashes0123456789$" 1;'));
    assert.doesNotMatch(conf, /~\*/);
  });

  it('refuses keys that could carry nginx syntax', () => {
    for (const bad of ['sk-aaaaaaaaaaaaaaaa"; }', 'sk-aaaaaaaaaaaaaaaa\n', 'sk-aaaaaaaaaaa$aaaaa'])
      assert.throws(() => renderNginxKeyConf(bad), { message: 'API key has characters that cannot be rendered' }, JSON.stringify(bad));
  });
});
