/**
 * The appliance's TLS, checked by verifiers stricter than Node's default, against the CA file the report
 * names and the chain nginx actually serves. Node (OpenSSL), curl and Python accepted a self-signed leaf
 * that BoringSSL clients (Cline CLI on Bun, VS Code on Electron) refuse as a trust anchor; these checks
 * make the next such difference fail here rather than for a user.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApplianceInNamespace, startApplianceInNamespace } from './support/appliance-in-namespace.ts';
import { assertLoopbackOnly, namespaceOrSkipReason, runIn } from './support/loopback-namespace.ts';

const { ns, skip } = await namespaceOrSkipReason();
after(() => ns?.close());

/** A TLS client with OpenSSL's X509_V_FLAG_X509_STRICT and no partial chains; prints the HTTP status line. */
const PYTHON_STRICT_CLIENT = `
import socket, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
context.verify_flags |= ssl.VERIFY_X509_STRICT
context.verify_flags &= ~ssl.VERIFY_X509_PARTIAL_CHAIN
with socket.create_connection((host, port), timeout=30) as raw:
    with context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(b"GET /readyz HTTP/1.1\\r\\nHost: " + host.encode() + b"\\r\\nConnection: close\\r\\n\\r\\n")
        print(tls.recv(4096).decode().splitlines()[0])
`;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

describe('the appliance TLS passes strict verifiers with the report CA file', { skip }, () => {
  let dir: string;
  let appliance: ApplianceInNamespace;
  let url: URL;
  /** What nginx sends: the leaf first, then any intermediates. */
  let served: string[];

  before(async () => {
    assert.ok(ns);
    await assertLoopbackOnly(ns);
    dir = mkdtempSync(join(tmpdir(), 'slm-tls-strict-'));
    appliance = await startApplianceInNamespace(ns, { root: join(dir, 'root'), context: { ONEAPP_COPILOT_ENGINE_THREADS: '1' } });
    url = new URL(appliance.report.get('Endpoint', 'url'));
    const shown = await runIn(ns, 'openssl', [
      's_client',
      '-connect',
      `${url.hostname}:${url.port}`,
      '-servername',
      url.hostname,
      '-showcerts',
    ]);
    served = shown.stdout.match(PEM_BLOCK) ?? [];
    assert.ok(served.length > 0, `no certificate from s_client: ${shown.stderr}`);
  });
  after(async () => {
    await appliance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('openssl verify -x509_strict: the served leaf chains to the CA file, for serverAuth and the host name', async () => {
    assert.ok(ns);
    const leaf = join(dir, 'served-leaf.pem');
    const untrusted = join(dir, 'served-intermediates.pem');
    writeFileSync(leaf, served[0]!);
    writeFileSync(untrusted, served.slice(1).join(''));
    const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', url.hostname, '-CAfile', appliance.caFile];
    if (served.length > 1) args.push('-untrusted', untrusted);
    const verified = await runIn(ns, 'openssl', [...args, leaf]);
    assert.equal(`${verified.code} ${verified.stdout.trim()}`, `0 ${leaf}: OK`, verified.stderr);
  });

  it('Python ssl with VERIFY_X509_STRICT completes the handshake and an HTTPS request', async () => {
    assert.ok(ns);
    const client = await runIn(ns, 'python3', ['-c', PYTHON_STRICT_CLIENT, url.hostname, url.port, appliance.caFile]);
    assert.equal(client.code, 0, client.stderr);
    assert.equal(client.stdout.trim(), 'HTTP/1.1 200 OK');
  });

  it("BoringSSL's rule: the trust anchor is a CA certificate (CA:TRUE, keyCertSign) that issued the leaf, not the leaf", async () => {
    const leaf = new X509Certificate(served[0]!);
    const anchors = (readFileSync(appliance.caFile, 'utf8').match(PEM_BLOCK) ?? []).map((pem) => new X509Certificate(pem));
    const issuer = anchors.find((c) => c.fingerprint256 !== leaf.fingerprint256 && leaf.checkIssued(c) && leaf.verify(c.publicKey));
    const selfSigned = anchors.some((c) => c.fingerprint256 === leaf.fingerprint256);
    assert.ok(
      issuer,
      selfSigned
        ? 'the CA file holds the served leaf itself: a self-signed leaf, which BoringSSL refuses as a trust anchor'
        : 'no certificate in the CA file signed the served leaf',
    );
    assert.equal(issuer.ca, true, 'the anchor has basicConstraints CA:TRUE');
    assert.equal(leaf.ca, false, 'the leaf is no CA');
    assert.ok(ns);
    const usage = await runIn(ns, 'openssl', ['x509', '-noout', '-ext', 'keyUsage'], { input: issuer.toString() });
    assert.match(usage.stdout, /Certificate Sign/, 'the anchor may sign certificates (keyUsage keyCertSign)');
  });
});
