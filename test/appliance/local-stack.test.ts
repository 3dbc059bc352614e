/**
 * The appliance for real in a temporary root: real nginx + real engine (`slm-copilot serve` as a child)
 * + a generated model, configured by the same stages as the VM. Covers the edge (TLS, key, streaming,
 * limits, timeouts), reconfiguration (key and cert kept, nginx-only reloads) and failure handling.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { PATHS } from '../../src/appliance/layout.ts';
import { type LocalStack, startLocalStack } from '../../src/appliance/local/local-stack.ts';
import { edgeErrorJson, edgeErrors } from '../../src/appliance/render/nginx-error-pages.ts';
import { readState } from '../../src/appliance/stage/appliance-state.ts';
import { PayloadTooLargeError } from '../../src/engine/api/api-errors.ts';
import { toOpenAIError } from '../../src/engine/api/openai-error.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { requestText, type TextResponse } from '../../src/lib/https/request.ts';
import { sleep } from '../../src/lib/process/sleep.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../src/lib/request-limits.ts';
import { ReportSections } from '../support/report-sections.ts';
import { testModelPath } from '../support/test-models.ts';
import { startFakeOneGate } from './support/fake-onegate.ts';
import { fetchWithCa } from './support/https-fetch.ts';
import { legacyHandshake, startLegacyTlsServer } from './support/legacy-tls.ts';

const run = promisify(execFile);
const EDGE_ERRORS = edgeErrors(MAX_REQUEST_BODY_BYTES);
const CLI = [process.execPath, new URL('../../src/cli/main.ts', import.meta.url).pathname];

describe('appliance on real nginx + engine (sandbox root)', () => {
  let dir: string;
  let stack: LocalStack;
  let origin: string;
  let ca: Buffer;
  let key: string;
  let onegate: Awaited<ReturnType<typeof startFakeOneGate>>;
  let context: Record<string, string>;
  const get = (path: string, headers: Record<string, string> = {}) =>
    requestText({ url: new URL(path, origin), headers, ca, servername: 'localhost', timeoutMs: 60_000 });
  const sdk = () =>
    new OpenAI({ apiKey: key, baseURL: `https://localhost:${stack.env.profile.httpsPort}/v1`, fetch: fetchWithCa(ca), maxRetries: 0 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-appliance-it-'));
    const weights = await testModelPath('tiny');
    // No speculation: the unbuffered-stream check needs one token per step, and the random tiny model
    // repeats itself, so verified drafts would hand over tokens in bursts of their own.
    writeFileSync(
      join(dir, 'tiny.yaml'),
      `name: tiny-test\ncontext_size: 4096\nspeculative:\n  enabled: false\nparameters:\n  model: ${weights}\n  temperature: 0\n`,
    );
    onegate = await startFakeOneGate({ token: 'test-token', vmId: '42' });
    context = {
      ONEGATE_ENDPOINT: onegate.endpoint,
      TOKENTXT: 'test-token',
      VMID: '42',
      REPORT_READY: 'YES',
      ONEAPP_COPILOT_ENGINE_THREADS: '1',
      ONEAPP_COPILOT_LIMIT_RATE: '50',
      ONEAPP_COPILOT_LIMIT_BURST: '50',
    };
    const options = {
      root: join(dir, 'root'),
      model: join(dir, 'tiny.yaml'),
      ports: { httpsPort: await freePort(), httpPort: await freePort(), enginePort: await freePort() },
      context: { ...context },
      cliCommand: CLI,
      readyTimeoutMs: 120_000,
    };
    stack = await startLocalStack(options);
    assert.deepEqual(options.context, context, "the caller's options are left as they were");
    const state = await readState(stack.fs);
    assert.ok(state, `configure failed: ${JSON.stringify(stack.configure.issues)}`);
    origin = `https://127.0.0.1:${state.httpsPort}`;
    assert.ok(state.caPath, 'self-signed mode names the appliance CA');
    ca = readFileSync(state.caPath);
    key = readFileSync(stack.fs.real(PATHS.apiKey), 'utf8').trim();
  });

  after(async () => {
    await stack?.stop();
    await onegate?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bootstraps: self-test through nginx passes, READY + endpoint published to OneGate without the key', async () => {
    assert.ok(stack.configure.ok, JSON.stringify(stack.configure.issues));
    assert.equal(stack.bootstrap?.ok, true, JSON.stringify(stack.bootstrap?.issues));
    assert.equal(await stack.status(), 'bootstrap_success');
    const put = onegate.calls.find((c) => c.method === 'PUT' && c.url === '/vm');
    assert.ok(put, 'OneGate got PUT /vm');
    assert.equal(put.headers['x-onegate-token'], 'test-token');
    assert.equal(put.headers['x-onegate-vmid'], '42');
    assert.match(put.body, /^READY=YES$/m);
    assert.match(put.body, /^ONEAPP_COPILOT_ENDPOINT=https:\/\/localhost:\d+\/v1$/m);
    assert.match(put.body, /^ONEAPP_COPILOT_MODEL_ID=tiny-test$/m);
    assert.ok(!put.body.includes(key));
    assert.equal(put.status, 200, 'the strict OneGate accepted it');
    assert.equal(onegate.userTemplate['READY'], 'YES');
  });

  it('serves HTTPS that verifies with the appliance CA alone (curl --cacert), and only with it', async () => {
    const url = `https://localhost:${new URL(origin).port}/readyz`;
    const ok = await run('curl', ['-sS', '--fail', '--cacert', (await readState(stack.fs))!.caPath!, url]);
    assert.deepEqual(JSON.parse(ok.stdout), { status: 'ready', model: 'tiny-test' });
    // curl exit 60: the peer certificate cannot be verified with the system CAs.
    await assert.rejects(run('curl', ['-sS', '--fail', url]), (e: { code?: number }) => e.code === 60);
  });

  it('refuses TLS 1.0 and 1.1 with a protocol-version alert, from a client shown to speak them', async () => {
    const control = await startLegacyTlsServer(dir);
    try {
      for (const version of ['TLSv1', 'TLSv1.1'] as const) {
        const accepted = await legacyHandshake(control.port, version);
        assert.equal(accepted.code, 0, accepted.output);
        assert.equal(accepted.protocol, version, `the client negotiates ${version} with a server that allows it`);
      }
    } finally {
      await control.close();
    }
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      const refused = await legacyHandshake(Number(new URL(origin).port), version);
      assert.equal(refused.code, 1, refused.output);
      assert.equal(refused.protocol, undefined, refused.output);
      // Alert 70 is protocol_version: the edge turned the version down (not a cipher or certificate problem).
      assert.match(refused.output, /tlsv1 alert protocol version.*SSL alert number 70/, refused.output);
    }
  });

  it('rejects a missing or wrong key at the edge with the OpenAI 401 JSON', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer sk-wrong' },
      { authorization: `Bearer ${key.toUpperCase()}` },
      { 'x-api-key': `${key}x` },
    ]) {
      const res = await get('/v1/models', headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.body.trim(), edgeErrorJson(EDGE_ERRORS[401]), 'answered by nginx, not the engine');
      assert.equal(res.headers['content-type'], 'application/json');
    }
    assert.equal((await get('/v1/models', { authorization: `Bearer ${key}` })).status, 200);
    assert.equal((await get('/v1/models', { 'x-api-key': key })).status, 200);
    assert.equal((await get('/metrics')).status, 401, '/metrics needs the key');
    assert.equal((await get('/metrics', { authorization: `Bearer ${key}` })).status, 200);
    // Public, and passed through unchanged: /health is readiness at the edge just as in the engine.
    const ready = { status: 200, body: { status: 'ready', model: 'tiny-test' } };
    const probe = async (path: string) => {
      const res = await get(path);
      return { status: res.status, body: JSON.parse(res.body) as unknown };
    };
    assert.deepEqual(await probe('/readyz'), ready, '/readyz');
    assert.deepEqual(await probe('/health'), ready, '/health');
    assert.deepEqual(await probe('/healthz'), { status: 200, body: { status: 'ok' } }, '/healthz');
  });

  it('redirects plain HTTP to HTTPS but serves the ACME webroot', async () => {
    const httpPort = stack.env.profile.httpPort;
    const res = await requestText({ url: `http://127.0.0.1:${httpPort}/v1/models`, timeoutMs: 60_000 });
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, `https://127.0.0.1:${stack.env.profile.httpsPort}/v1/models`);
    mkdirSync(stack.fs.real(`${PATHS.acmeWebroot}/.well-known/acme-challenge`), { recursive: true });
    writeFileSync(stack.fs.real(`${PATHS.acmeWebroot}/.well-known/acme-challenge/tok`), 'challenge-token');
    const acme = await requestText({ url: `http://127.0.0.1:${httpPort}/.well-known/acme-challenge/tok`, timeoutMs: 60_000 }).catch(
      async () => {
        throw new Error('webroot not served');
      },
    );
    assert.equal(acme.status, 200);
    assert.equal(acme.body, 'challenge-token');
  });

  it('streams through nginx with the official openai SDK: tokens arrive before the stream ends', async () => {
    const client = sdk();
    const request = {
      model: 'tiny-test',
      max_tokens: 400,
      messages: [{ role: 'user' as const, content: 'Tell me a long story about nginx. '.repeat(4) }],
    };
    const started = performance.now();
    const arrivals: number[] = [];
    const stream = await client.chat.completions.create({ ...request, stream: true });
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        arrivals.push(performance.now() - started);
        text += delta;
      }
    }
    const end = performance.now() - started;
    assert.ok(arrivals.length >= 10, `only ${arrivals.length} content chunks`);
    // The model YAML samples greedily, so the stream reassembles to exactly the whole answer.
    const whole = await client.chat.completions.create(request);
    assert.equal(text, whole.choices[0]?.message.content);
    // Unbuffered, tokens reach the client while the rest is still being generated, so arrivals spread
    // over the generation (measured 0.81 of a 620 ms request with 400 tokens). 60 tokens made the whole
    // generation ~100 ms, so one scheduling hiccup on a loaded machine looked like a burst; a long prompt
    // made the prefill most of the request. A buffering edge delivers them in a burst at
    // the end (measured ~2%: first at 647 ms, last at 660 ms of 665 ms).
    const first = arrivals[0]!;
    const last = arrivals.at(-1)!;
    const spread = (last - first) / end;
    assert.ok(
      spread > 0.25,
      `tokens arrived in a burst: first ${first.toFixed(0)} ms, last ${last.toFixed(0)} ms, end ${end.toFixed(0)} ms`,
    );
  });

  it('the report’s [Prefix cache] carries the engine’s own figures: entries saved when a conversation leaves the slot', async () => {
    const client = sdk();
    // Parallel 1: B takes the slot from A, so A's prefix is saved to disk. (Loading it back for the third
    // request is the engine's call: on this tiny model prefilling is faster than reading, so hits may stay 0.)
    const ask = (content: string) =>
      client.chat.completions.create({ model: 'tiny-test', max_tokens: 2, messages: [{ role: 'user', content }] });
    const a = 'alpha beta gamma delta epsilon zeta eta theta. '.repeat(10);
    const b = 'one two three four five six seven eight nine ten. '.repeat(10);
    await ask(a);
    await ask(b);
    await ask(a);
    // Same variables: configure changes nothing (the engine keeps its counters); bootstrap rewrites the report.
    const outcome = await stack.reconfigure(context);
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    const section = new ReportSections(await stack.reportText());
    const live = (await get('/metrics', { authorization: `Bearer ${key}` })).body;
    const series = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(live)?.[1]);
    assert.equal(section.get('Prefix cache', 'state'), 'on');
    assert.equal(section.get('Prefix cache', 'directory'), stack.fs.real(PATHS.prefixCacheDir));
    assert.equal(Number(section.get('Prefix cache', 'entries')), series('slm_prefix_cache_entries'));
    assert.ok(series('slm_prefix_cache_entries') >= 1 && series('slm_prefix_cache_bytes') > 0, live);
    const hits = Number(section.get('Prefix cache', 'hits'));
    const lookups = Number(section.get('Prefix cache', 'lookups'));
    assert.ok(lookups >= 3, `lookups ${lookups}: the counters are the running engine's`);
    assert.equal(hits, series('slm_prefix_cache_hits_total'));
    assert.equal(lookups, series('slm_prefix_cache_lookups_total'));
    assert.equal(section.get('Prefix cache', 'hit_rate'), `${((100 * hits) / lookups).toFixed(1)} %`);
    const mib = (name: string) => (series(name) / 1024 / 1024).toFixed(1);
    assert.match(
      section.get('Prefix cache', 'size'),
      new RegExp(`^${mib('slm_prefix_cache_bytes')} MiB of a ${mib('slm_prefix_cache_budget_bytes')} MiB budget`),
    );
  });

  it('a changed rate limit reloads nginx only (same engine PID) and then answers 429 JSON with Retry-After under a burst', async () => {
    const enginePid = await stack.services.mainPid('engine');
    const nginxPid = await stack.services.mainPid('nginx');
    const outcome = await stack.reconfigure(
      { ...context, ONEAPP_COPILOT_LIMIT_RATE: '1', ONEAPP_COPILOT_LIMIT_BURST: '2' },
      { bootstrap: false },
    );
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.apply?.engineRestarted, false);
    assert.equal(outcome.apply?.nginxReloaded, true);
    assert.equal(await stack.services.mainPid('engine'), enginePid, 'engine not restarted');
    assert.equal(await stack.services.mainPid('nginx'), nginxPid, 'nginx reloaded in place');
    const responses: TextResponse[] = await Promise.all(
      Array.from({ length: 12 }, () => get('/v1/models', { authorization: `Bearer ${key}` })),
    );
    const limited = responses.filter((r) => r.status === 429);
    assert.ok(limited.length >= 5, `statuses: ${responses.map((r) => r.status).join(',')}`);
    assert.ok(responses.some((r) => r.status === 200));
    for (const r of limited) {
      assert.equal(r.headers['retry-after'], '1');
      assert.equal((JSON.parse(r.body) as { error: { type: string } }).error.type, 'rate_limit_error');
    }
  });

  it('an invalid variable leaves the old endpoint serving with the same key; the report names it', async () => {
    const enginePid = await stack.services.mainPid('engine');
    const nginxPid = await stack.services.mainPid('nginx');
    const siteBefore = readFileSync(stack.fs.real(PATHS.nginxSite), 'utf8');
    const outcome = await stack.reconfigure({
      ...context,
      ONEAPP_COPILOT_LIMIT_RATE: '1',
      ONEAPP_COPILOT_LIMIT_BURST: '2',
      ONEAPP_COPILOT_LIMIT_CONNECTIONS: '4; return 200',
    });
    assert.equal(outcome.ok, false);
    assert.equal(await stack.status(), 'configure_failure');
    const report = await stack.reportText();
    assert.match(report, /error\.ONEAPP_COPILOT_LIMIT_CONNECTIONS = invalid value/);
    assert.ok(report.includes(`api_key = ${key}`));
    assert.equal(readFileSync(stack.fs.real(PATHS.nginxSite), 'utf8'), siteBefore);
    assert.equal(await stack.services.mainPid('engine'), enginePid);
    assert.equal(await stack.services.mainPid('nginx'), nginxPid);
    await sleep(1100); // let the 1 r/s bucket refill
    const res = await get('/v1/models', { authorization: `Bearer ${key}` });
    assert.equal(res.status, 200, res.body);
  });

  it('reconfigure keeps the key and the certificate', async () => {
    const fingerprint = (await readState(stack.fs))!.fingerprintSha256;
    const outcome = await stack.reconfigure({ ...context, ONEAPP_COPILOT_ENGINE_TIMEOUT: '1' }, { bootstrap: false });
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.keySource, 'kept');
    assert.equal(outcome.certificate?.changed, false);
    assert.equal(readFileSync(stack.fs.real(PATHS.apiKey), 'utf8').trim(), key);
    assert.equal((await readState(stack.fs))!.fingerprintSha256, fingerprint);
    assert.equal(outcome.apply?.engineRestarted, true, 'TIMEOUT is enforced by the engine');
  });

  it('a request that outlives TIMEOUT ends with a JSON 504 from the edge when the engine hangs', async () => {
    await waitReady(origin, ca);
    const pid = await stack.services.mainPid('engine');
    assert.ok(pid);
    process.kill(pid, 'SIGSTOP');
    let res: TextResponse;
    try {
      res = await requestText({
        url: `${origin}/v1/chat/completions`,
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny-test', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
        ca,
        servername: 'localhost',
        timeoutMs: 60_000,
      });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(res.status, 504);
    assert.deepEqual(JSON.parse(res.body), JSON.parse(edgeErrorJson(EDGE_ERRORS[504])));
  });

  it('answers a JSON 502 while the engine is down, and serves again once it is back', async () => {
    const pid = await stack.services.mainPid('engine');
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    await waitUntil('the killed engine to be reaped', async () => !(await stack.services.isRunning('engine')), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const down = await get('/v1/models', { authorization: `Bearer ${key}` });
    assert.equal(down.status, 502);
    assert.deepEqual(JSON.parse(down.body), JSON.parse(edgeErrorJson(EDGE_ERRORS[502])));
    await stack.services.restart('engine');
    await waitReady(origin, ca);
    assert.equal((await get('/v1/models', { authorization: `Bearer ${key}` })).status, 200);
  });

  it('a 5 MB prompt through nginx is the engine’s 400 context_length_exceeded; one byte over the limit is the same 413 at both', async () => {
    const client = sdk();
    await assert.rejects(
      client.chat.completions.create({ model: 'tiny-test', messages: [{ role: 'user', content: 'word '.repeat(1_000_000) }] }),
      (e: unknown) => {
        assert.ok(e instanceof OpenAI.BadRequestError);
        assert.equal(e.code, 'context_length_exceeded');
        assert.match(
          e.message,
          /^400 This model's maximum context length is 4096 tokens\. However, your messages resulted in at least \d+ tokens\.$/,
        );
        return true;
      },
    );
    const envelope = JSON.stringify({ model: 'tiny-test', messages: [{ role: 'user', content: '' }] });
    const body = envelope.replace('"content":""', `"content":"${'a'.repeat(MAX_REQUEST_BODY_BYTES + 1 - Buffer.byteLength(envelope))}"`);
    const over = await requestText({
      url: new URL('/v1/chat/completions', origin),
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body,
      ca,
      servername: 'localhost',
    });
    assert.equal(over.status, 413);
    assert.deepEqual(JSON.parse(over.body), toOpenAIError(new PayloadTooLargeError(MAX_REQUEST_BODY_BYTES)).body);
  });

  it('the report’s ca_download line fetches the CA over plain HTTP and keeps it only with the right fingerprint', async (t) => {
    const state = (await readState(stack.fs))!;
    const line = /^ca_download = (.+)$/m.exec(await stack.reportText())?.[1];
    assert.ok(line, 'report has ca_download');
    assert.ok(line.includes(`http://localhost:${stack.env.profile.httpPort}/slm-copilot-ca.pem`));
    assert.ok(line.includes(state.caFingerprintSha256!));
    const laptop = mkdtempSync(join(tmpdir(), 'slm-laptop-'));
    t.after(() => rmSync(laptop, { recursive: true, force: true }));
    const ok = await run('sh', ['-c', line], { cwd: laptop });
    assert.equal(ok.stdout.trim(), 'slm-copilot-ca.pem: fingerprint OK');
    assert.deepEqual(readFileSync(join(laptop, 'slm-copilot-ca.pem')), ca);
    // A different fingerprint in the line (or a different file on the wire) keeps nothing.
    const tampered = line.replace(state.caFingerprintSha256!, state.fingerprintSha256);
    const bad = await run('sh', ['-c', tampered], { cwd: laptop });
    assert.equal(bad.stdout.trim(), 'slm-copilot-ca.pem: download failed or WRONG fingerprint, removed');
    assert.deepEqual(readdirSync(laptop), []);
  });

  it('a new VM IP re-issues only the server certificate: clients that trust the CA keep working (curl, openssl, Node)', async (t) => {
    const before = (await readState(stack.fs))!;
    const caFile = join(mkdtempSync(join(tmpdir(), 'slm-client-')), 'ca.pem');
    t.after(() => rmSync(dirname(caFile), { recursive: true, force: true }));
    writeFileSync(caFile, ca); // what a laptop installed once
    const enginePid = await stack.services.mainPid('engine');
    // The same settings as the test before (TIMEOUT 1), plus one NIC address.
    const outcome = await stack.reconfigure({ ...context, ONEAPP_COPILOT_ENGINE_TIMEOUT: '1', ETH0_IP: '10.0.0.7' }, { bootstrap: false });
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.certificate?.changed, true);
    assert.match(outcome.certificate?.note ?? '', /^names changed: added IP:10\.0\.0\.7/);
    assert.equal(outcome.certificate?.applianceCa.changed, false);
    assert.equal(outcome.apply?.engineRestarted, false);
    assert.equal(await stack.services.mainPid('engine'), enginePid);
    const after = (await readState(stack.fs))!;
    assert.notEqual(after.fingerprintSha256, before.fingerprintSha256);
    assert.equal(after.caFingerprintSha256, before.caFingerprintSha256);
    assert.deepEqual(readFileSync(after.caPath!), ca);

    const port = stack.env.profile.httpsPort;
    const curl = await run('curl', ['-sS', '--fail', '--cacert', caFile, `https://localhost:${port}/readyz`]);
    assert.match(curl.stdout, /ready|ok|true/i);
    const sclient = await run('sh', [
      '-c',
      `openssl s_client -connect 127.0.0.1:${port} -servername localhost -verify_hostname localhost -CAfile ${caFile} -verify_return_error -showcerts </dev/null`,
    ]);
    assert.match(sclient.stdout, /Verify return code: 0 \(ok\)/);
    assert.equal(sclient.stdout.match(/-----BEGIN CERTIFICATE-----/g)?.length, 2, 'nginx sends the server certificate and the CA');
    const served = new X509Certificate(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(sclient.stdout)![0]);
    assert.equal(served.fingerprint256, after.fingerprintSha256);
    assert.equal(served.checkIP('10.0.0.7'), '10.0.0.7');
    assert.equal((await get('/v1/models', { authorization: `Bearer ${key}` })).status, 200, 'Node with the same CA bytes');
  });
});

async function waitReady(origin: string, ca: Buffer): Promise<void> {
  await waitUntil(
    'the engine behind the edge to answer /readyz',
    async () => (await requestText({ url: `${origin}/readyz`, ca, servername: 'localhost' })).status === 200,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      retryErrors: true,
    },
  );
}
