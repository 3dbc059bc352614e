/**
 * The OneFlow roles as the VMs run them: an engine appliance and an edge appliance, each through the real
 * install → configure → bootstrap stages in its own sandbox, real nginx (with njs) and real llama.cpp,
 * talking only through the strict fake OneGate (per-VM tokens, 401 on a wrong one) — as on OpenNebula,
 * where the only thing the two VMs share is the service's inputs. The engine listens on its "private"
 * address (127.0.0.2 stands in for it), publishes itself; the edge discovers it with the scale-out pass
 * the timer runs, serves the public key over TLS and drops the engine when it dies.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { PATHS } from '../../src/appliance/layout.ts';
import { type FakeOneGate, startFakeOneGate } from '../../src/appliance/local/fake-onegate.ts';
import { type LocalStack, startLocalStack } from '../../src/appliance/local/local-stack.ts';
import { runScaleOutPass } from '../../src/appliance/scale-out/scale-out-pass.ts';
import { readState } from '../../src/appliance/stage/appliance-state.ts';
import { freePort } from '../../src/lib/free-port.ts';
import { requestText } from '../../src/lib/https/request.ts';
import { waitUntil } from '../../src/lib/process/wait-until.ts';
import { ReportSections } from '../support/report-sections.ts';
import { testModelPath } from '../support/test-models.ts';
import { fetchWithCa } from './support/https-fetch.ts';

const CLI = [process.execPath, new URL('../../src/cli/main.ts', import.meta.url).pathname];
const KEY = 'sk-scaleoutrolesTESTkey0123456789';
const EDGE_VM = 100;
const ENGINE_VM = 101;
const PRIVATE_IP = '127.0.0.2';

describe('OneFlow roles: an edge VM and an engine VM through OneGate', () => {
  let dir: string;
  let onegate: FakeOneGate;
  let engine: LocalStack;
  let edge: LocalStack;
  let enginePort: number;
  let edgeOrigin: string;
  let ca: Buffer;

  const vmContext = (vmId: number, role: string, extra: Record<string, string> = {}) => ({
    ONEAPP_COPILOT_SERVICE_ROLE: role,
    ONEAPP_COPILOT_API_KEY: KEY,
    ONEAPP_COPILOT_ENGINE_THREADS: '1',
    ONEGATE_ENDPOINT: onegate.endpoint,
    TOKENTXT: onegate.tokenOf(vmId),
    VMID: String(vmId),
    REPORT_READY: 'YES',
    ...extra,
  });
  const report = async (stack: LocalStack) => new ReportSections(await stack.reportText());
  const sdk = () =>
    new OpenAI({ apiKey: KEY, baseURL: `https://localhost:${new URL(edgeOrigin).port}/v1`, fetch: fetchWithCa(ca), maxRetries: 0 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slm-roles-'));
    const weights = await testModelPath('tiny');
    writeFileSync(join(dir, 'tiny.yaml'), `name: tiny-test\ncontext_size: 2048\nparameters:\n  model: ${weights}\n  temperature: 0\n`);
    onegate = await startFakeOneGate({ vmId: String(EDGE_VM), roles: { edge: [EDGE_VM], engine: [ENGINE_VM] } });
    enginePort = await freePort();
    engine = await startLocalStack({
      root: join(dir, 'engine'),
      model: join(dir, 'tiny.yaml'),
      ports: { httpsPort: await freePort(), httpPort: await freePort(), enginePort },
      context: vmContext(ENGINE_VM, 'engine', { ETH0_IP: PRIVATE_IP }),
      cliCommand: CLI,
      readyTimeoutMs: 120_000,
    });
    edge = await startLocalStack({
      root: join(dir, 'edge'),
      model: join(dir, 'tiny.yaml'),
      ports: { httpsPort: await freePort(), httpPort: await freePort(), enginePort: await freePort() },
      context: vmContext(EDGE_VM, 'edge'),
      cliCommand: CLI,
      readyTimeoutMs: 120_000,
    });
    const state = await readState(edge.fs);
    assert.ok(state?.caPath, `edge configure failed: ${JSON.stringify(edge.configure.issues)}`);
    edgeOrigin = `https://127.0.0.1:${state.httpsPort}`;
    ca = readFileSync(state.caPath);
  });

  after(async () => {
    await edge?.stop();
    await engine?.stop();
    await onegate?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('engine: bootstraps on its private address only, no nginx, publishes address + readiness + load, never a key', async () => {
    assert.equal(engine.bootstrap?.ok, true, JSON.stringify(engine.bootstrap?.issues ?? engine.configure.issues));
    assert.equal(await engine.services.isRunning('nginx'), false, 'an engine has no public edge');
    assert.equal((await requestText({ url: `http://${PRIVATE_IP}:${enginePort}/readyz`, timeoutMs: 5_000 })).status, 200);
    // Not on loopback's 127.0.0.1, not on every address: only the private one.
    await assert.rejects(requestText({ url: `http://127.0.0.1:${enginePort}/readyz`, timeoutMs: 5_000 }), /ECONNREFUSED/);
    const published = onegate.userTemplateOf(ENGINE_VM);
    assert.equal(published['READY'], 'YES');
    assert.equal(published['ONEAPP_COPILOT_ENGINE_ADDRESS'], `${PRIVATE_IP}:${enginePort}`);
    assert.equal(published['ONEAPP_COPILOT_ENGINE_QUEUE'], '0');
    assert.equal(published['ONEAPP_COPILOT_ENGINE_BUSY'], '0');
    const engineKey = readFileSync(engine.fs.real(PATHS.engineKey), 'utf8').trim();
    for (const value of Object.values(published)) {
      assert.ok(!value.includes(KEY) && !value.includes(engineKey), `published ${value}`);
    }
    const r = await report(engine);
    assert.equal(r.get('Scale-out', 'role'), 'engine');
    assert.equal(r.get('Scale-out', 'listen'), `${PRIVATE_IP}:${enginePort}`);
    assert.match(r.get('Scale-out', 'onegate_published'), new RegExp(`READY=YES address ${PRIVATE_IP}:${enginePort}`));
    assert.match(r.get('Status', 'self_test'), /passed: .*internal credential is accepted, the public key refused/);
    // Its prefix cache figures come from its own /metrics, opened with the internal credential.
    assert.equal(r.get('Prefix cache', 'state'), 'on');
  });

  it('engine: the public key is refused, the internal credential the edge derives is accepted', async () => {
    const models = (key: string) =>
      requestText({ url: `http://${PRIVATE_IP}:${enginePort}/v1/models`, headers: { authorization: `Bearer ${key}` }, timeoutMs: 5_000 });
    assert.equal((await models(KEY)).status, 401);
    const edgeConf = readFileSync(edge.fs.real(PATHS.nginxEngineCredential), 'utf8');
    const credential = /"Bearer ([^"]+)"/.exec(edgeConf)?.[1] ?? '';
    assert.equal((await models(credential)).status, 200);
  });

  it('edge: no model loaded, discovers the engine through OneGate and serves the public key over TLS', async () => {
    assert.equal(edge.bootstrap?.ok, true, JSON.stringify(edge.bootstrap?.issues ?? edge.configure.issues));
    assert.equal(await edge.services.isRunning('engine'), false, 'the edge loads no model');
    const upstream = readFileSync(edge.fs.real(PATHS.nginxEngineUpstream), 'utf8');
    assert.match(upstream, new RegExp(`server ${PRIVATE_IP}:${enginePort} .*# vm ${ENGINE_VM}`));
    const completion = await sdk().chat.completions.create({
      model: 'tiny-test',
      max_tokens: 4,
      messages: [{ role: 'user', content: 'Say hi' }],
    });
    assert.ok(completion.choices[0]?.message.content !== undefined);
    // The edge checks the public key itself, with the OpenAI-shaped JSON.
    const anonymous = await requestText({ url: new URL('/v1/models', edgeOrigin), ca, servername: 'localhost', timeoutMs: 10_000 });
    assert.equal(anonymous.status, 401);
    assert.equal(JSON.parse(anonymous.body).error.code, 'invalid_api_key');
    const r = await report(edge);
    assert.equal(r.get('Scale-out', 'role'), 'edge');
    assert.match(r.get('Scale-out', `engine.${ENGINE_VM}`), new RegExp(`^${PRIVATE_IP}:${enginePort} routed since `));
    assert.equal(r.get('Scale-out', 'engines_routed'), '1 of 1');
    assert.ok(!(await edge.reportText()).includes('[Prefix cache]'), 'an edge has no prefix cache');
    const metrics = await requestText({
      url: new URL('/metrics/edge', edgeOrigin),
      headers: { authorization: `Bearer ${KEY}` },
      ca,
      servername: 'localhost',
      timeoutMs: 10_000,
    });
    assert.match(metrics.body, /^slm_copilot_edge_engines\{state="routed"\} 1$/m);
  });

  it('a dead engine is dropped by the next pass (report and upstream), and re-added when it is back', async () => {
    await engine.services.stopAndDisable('engine');
    const dropped = await runScaleOutPass(edge.env);
    assert.ok(dropped.role === 'edge' && dropped.changed);
    assert.match(readFileSync(edge.fs.real(PATHS.nginxEngineUpstream), 'utf8'), /no engine is ready/);
    assert.match((await report(edge)).get('Scale-out', `engine.${ENGINE_VM}`), / unreachable since /);
    // No engine: a fast JSON error, not a hang.
    const none = await requestText({
      url: new URL('/v1/models', edgeOrigin),
      headers: { authorization: `Bearer ${KEY}` },
      ca,
      servername: 'localhost',
      timeoutMs: 10_000,
    });
    assert.equal(none.status, 502);
    assert.ok(JSON.parse(none.body).error);

    await engine.services.restart('engine');
    await waitUntil(
      'the engine to be ready again',
      async () => (await requestText({ url: `http://${PRIVATE_IP}:${enginePort}/readyz`, timeoutMs: 2_000 })).status === 200,
      { timeoutMs: 60_000, intervalMs: 200, retryErrors: true },
    );
    const republished = await runScaleOutPass(engine.env);
    assert.ok(republished.role === 'engine' && republished.publication.error === undefined);
    const back = await runScaleOutPass(edge.env);
    assert.ok(back.role === 'edge' && back.changed);
    assert.match((await report(edge)).get('Scale-out', `engine.${ENGINE_VM}`), / routed since /);
    assert.notEqual((await report(edge)).get('Scale-out', 'last_change'), 'none yet');
  });

  it('with a token OneGate refuses, the engine says so in its report and the edge keeps its engines', async () => {
    const wrong = { ...engine.env, raw: { ...engine.env.raw, TOKENTXT: onegate.tokenOf(EDGE_VM) } };
    const pass = await runScaleOutPass(wrong);
    assert.ok(pass.role === 'engine');
    assert.match(pass.publication.error ?? '', /HTTP 401/);
    assert.match((await report(engine)).get('Scale-out', 'onegate_error'), /HTTP 401/);

    const blind = await runScaleOutPass({ ...edge.env, raw: { ...edge.env.raw, TOKENTXT: 'not-a-token' } });
    assert.ok(blind.role === 'edge' && !blind.changed);
    assert.match(blind.view.lastError ?? '', /OneGate: .*HTTP 401/);
    assert.match(readFileSync(edge.fs.real(PATHS.nginxEngineUpstream), 'utf8'), new RegExp(`server ${PRIVATE_IP}:${enginePort} `));
  });
});
