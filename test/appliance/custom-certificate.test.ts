/**
 * Own certificate (ONEAPP_COPILOT_TLS_CERT/_TLS_KEY) on the real stack: nginx serves it, bootstrap's
 * self-test verifies it against the root the operator included, and a bad value (expired, real openssl
 * dates) is refused while nginx keeps serving the same certificate on the same process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type LocalStack, startLocalStack } from '../../src/appliance/local/local-stack.ts';
import { readState } from '../../src/appliance/stage/appliance-state.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { testModelPath } from '../support/test-models.ts';
import { base64, type Issued, TestPki } from './tls/helpers/custom-pki.ts';

const run = promisify(execFile);
const CLI = [process.execPath, new URL('../../src/cli/main.ts', import.meta.url).pathname];

describe('own certificate on real nginx', () => {
  let dir: string;
  let stack: LocalStack;
  let pki: TestPki;
  let root: Issued;
  let inter: Issued;
  let context: Record<string, string>;

  /** The leaf nginx presents, as its SHA-256 fingerprint (openssl s_client, the real handshake). */
  const servedFingerprint = async (port: number) => {
    const { stdout } = await run('sh', [
      '-c',
      `openssl s_client -connect 127.0.0.1:${port} -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`,
    ]);
    return stdout.trim().split('=')[1];
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-custom-cert-it-'));
    pki = new TestPki(dir);
    root = pki.root();
    inter = pki.intermediate(root);
    const leaf = pki.server(inter, 'DNS:localhost,IP:127.0.0.1');
    const weights = await testModelPath('tiny');
    writeFileSync(join(dir, 'tiny.yaml'), `name: tiny-test\ncontext_size: 4096\nparameters:\n  model: ${weights}\n  temperature: 0\n`);
    context = {
      ONEAPP_COPILOT_ENGINE_THREADS: '1',
      ONEAPP_COPILOT_TLS_CERT: base64(leaf.cert + inter.cert + root.cert),
      ONEAPP_COPILOT_TLS_KEY: base64(leaf.key),
    };
    stack = await startLocalStack({
      root: join(dir, 'root'),
      model: join(dir, 'tiny.yaml'),
      ports: { httpsPort: await freePort(), httpPort: await freePort(), enginePort: await freePort() },
      context,
      cliCommand: CLI,
      readyTimeoutMs: 120_000,
    });
  });

  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the own certificate, and bootstrap verifies it against the included root', async () => {
    assert.ok(stack.configure.ok, JSON.stringify(stack.configure.issues));
    assert.equal(stack.bootstrap?.ok, true, JSON.stringify(stack.bootstrap?.issues));
    const state = (await readState(stack.fs))!;
    assert.equal(state.certificateKind, 'custom');
    assert.equal(await servedFingerprint(state.httpsPort), state.fingerprintSha256);
    const url = `https://localhost:${state.httpsPort}/healthz`;
    await run('curl', ['-sS', '--fail', '--cacert', root.certPath, url]);
    const report = await stack.reportText();
    assert.match(report, /tls_certificate = custom/);
    assert.ok(report.includes(`ca_certificate = ${state.caBundle}`));
  });

  it('an expired certificate is refused; nginx keeps serving the previous one', async () => {
    const before = (await readState(stack.fs))!;
    const nginxPid = await stack.services.mainPid('nginx');
    const expired = pki.server(inter, 'DNS:localhost,IP:127.0.0.1', { start: '20200101000000Z', end: '20200201000000Z' });
    const outcome = await stack.reconfigure({
      ...context,
      ONEAPP_COPILOT_TLS_CERT: base64(expired.cert + inter.cert + root.cert),
      ONEAPP_COPILOT_TLS_KEY: base64(expired.key),
    });
    assert.equal(outcome.ok, false);
    assert.deepEqual(
      outcome.issues.map((i) => i.field),
      ['ONEAPP_COPILOT_TLS_CERT'],
    );
    assert.match(await stack.reportText(), /error\.ONEAPP_COPILOT_TLS_CERT = the server certificate expired on 2020-02-01/);
    assert.equal(await stack.services.mainPid('nginx'), nginxPid);
    assert.equal(await servedFingerprint(before.httpsPort), before.fingerprintSha256);
    await run('curl', ['-sS', '--fail', '--cacert', root.certPath, `https://localhost:${before.httpsPort}/healthz`]);
  });
});
