/**
 * The letsencrypt mode through the whole configure/bootstrap flow, for real: certbot against Debian's
 * pebble on loopback, the HTTP-01 challenge answered by the appliance's own (sandbox) nginx on its
 * port-80 server, then nginx switched to the issued certificate; and the fallback to self-signed with
 * the reason in the report when the CA cannot validate.
 */
import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { PATHS } from '../../src/appliance/layout.ts';
import { type LocalStack, startLocalStack } from '../../src/appliance/local/local-stack.ts';
import { readState } from '../../src/appliance/stage/appliance-state.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { testModelPath } from '../support/test-models.ts';
import { type DnsResponder, startDnsResponder } from './tls/helpers/dns-responder.ts';
import { type Pebble, startPebble } from './tls/helpers/pebble.ts';

const DOMAIN = 'copilot.slm-copilot.test';
const UNREACHABLE = 'unreachable.slm-copilot.test';
const CLI = [process.execPath, new URL('../../src/cli/main.ts', import.meta.url).pathname];

/** The certificate nginx actually serves for `servername`. */
function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerX509Certificate();
      socket.end();
      if (cert === undefined) reject(new Error('no certificate'));
      else resolve(cert);
    });
    socket.on('error', reject);
  });
}

describe('letsencrypt mode against pebble (configure → certbot → nginx)', () => {
  let dir: string;
  let dns: DnsResponder;
  let pebble: Pebble;
  let stack: LocalStack;
  let context: Record<string, string>;
  let pebbleRoot: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-le-flow-'));
    chmodSync(dir, 0o755);
    const weights = await testModelPath('tiny');
    writeFileSync(join(dir, 'tiny.yaml'), `name: tiny-test\ncontext_size: 2048\nparameters:\n  model: ${weights}\n`);
    dns = await startDnsResponder({ [UNREACHABLE]: '127.0.0.2' });
    const ports = { httpsPort: await freePort(), httpPort: await freePort(), enginePort: await freePort() };
    pebble = await startPebble({ dir: join(dir, 'pebble'), httpPort: ports.httpPort, dnsPort: dns.port });
    pebbleRoot = join(dir, 'pebble-root.pem');
    writeFileSync(pebbleRoot, await pebble.management('/roots/0'));
    context = {
      ONEAPP_COPILOT_TLS_MODE: 'letsencrypt',
      ONEAPP_COPILOT_TLS_HOSTNAME: DOMAIN,
      ONEAPP_COPILOT_TLS_EMAIL: 'ops@example.org',
      ONEAPP_COPILOT_ENGINE_THREADS: '1',
    };
    stack = await startLocalStack({
      root: join(dir, 'root'),
      model: join(dir, 'tiny.yaml'),
      ports,
      context: { ...context },
      cliCommand: CLI,
      readyTimeoutMs: 120_000,
      acme: { server: pebble.directoryUrl, caBundle: pebble.apiCaPath, issuedCaBundle: pebbleRoot },
    });
  });

  after(async () => {
    await stack?.stop();
    await pebble?.process.stop();
    await dns?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues through the appliance nginx, serves the issued certificate and passes the self-test', async () => {
    assert.ok(stack.configure.ok, JSON.stringify(stack.configure.issues));
    assert.equal(stack.configure.certificate?.kind, 'letsencrypt');
    assert.equal(stack.bootstrap?.ok, true, JSON.stringify(stack.bootstrap?.issues));
    const served = await servedCertificate(stack.env.profile.httpsPort, DOMAIN);
    assert.equal(served.checkHost(DOMAIN), DOMAIN);
    assert.match(served.issuer, /Pebble/i);
    const state = await readState(stack.fs);
    assert.equal(state?.certificateKind, 'letsencrypt');
    assert.equal(state?.fingerprintSha256, stack.configure.certificate?.fingerprintSha256);
    const report = await stack.reportText();
    assert.match(report, /tls_certificate = letsencrypt\n/);
    assert.doesNotMatch(report, /tls_note/);
    assert.match(report, new RegExp(`url = https://${DOMAIN.replaceAll('.', '\\.')}:\\d+/v1\\n`));
  });

  it('reconfigure reuses the issued certificate without a new issuance', async () => {
    const before = (await readState(stack.fs))!.fingerprintSha256;
    const outcome = await stack.reconfigure({ ...context, ONEAPP_COPILOT_LIMIT_RATE: '5' }, { bootstrap: false });
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.certificate?.kind, 'letsencrypt');
    assert.equal(outcome.certificate?.changed, false);
    assert.equal((await readState(stack.fs))!.fingerprintSha256, before);
    assert.equal(outcome.apply?.engineRestarted, false);
  });

  it('falls back to self-signed, keeps serving and says why, when the CA cannot validate', async () => {
    const outcome = await stack.reconfigure({ ...context, ONEAPP_COPILOT_TLS_HOSTNAME: UNREACHABLE });
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.certificate?.kind, 'self-signed');
    assert.equal(stack.bootstrap?.ok, true, JSON.stringify(stack.bootstrap?.issues));
    const served = await servedCertificate(stack.env.profile.httpsPort, UNREACHABLE);
    assert.equal(served.fingerprint256, outcome.certificate?.fingerprintSha256);
    const report = await stack.reportText();
    assert.match(report, /tls_mode = letsencrypt\n/);
    assert.match(report, /tls_certificate = self-signed\n/);
    assert.match(report, /tls_note = Let's Encrypt failed, serving the self-signed certificate instead: \S+/);
    assert.match(report, /--cacert/);
    assert.equal(readFileSync(stack.fs.real(PATHS.report), 'utf8'), report, 'the report file holds what was checked above');
  });
});
