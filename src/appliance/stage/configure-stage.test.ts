import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { base64, TestPki } from '../../../test/appliance/tls/helpers/custom-pki.ts';
import { DEVSTRAL_SMALL_2_HEADER, writeHeaderOnlyGguf } from '../../../test/support/gguf-header.ts';
import { makePreCaCertificate } from '../../../test/support/legacy-certificate.ts';
import { ReportSections } from '../../../test/support/report-sections.ts';
import { systemCommandRunner } from '../../lib/command-runner.ts';
import { CommandError } from '../../lib/errors.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import { type NetworkProfile, PATHS, SYSTEM_PROFILE } from '../layout.ts';
import { internalCredential } from '../scale-out/internal-credential.ts';
import type { ServiceManager, ServiceName } from '../services/service-manager.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { readState } from './appliance-state.ts';
import { runConfigure } from './configure-stage.ts';
import { runInstall } from './install-stage.ts';
import { writeStatus } from './status-file.ts';

/** Records what configure asks of the services; "running" after the first start. */
function recordingServices() {
  const calls: string[] = [];
  const running = new Set<ServiceName>();
  /** The scale-out timer's last requested state (kept apart: every configure sets it). */
  const timer: { on: boolean | undefined } = { on: undefined };
  let failCheck = false;
  const services: ServiceManager = {
    async checkEdgeConfig() {
      calls.push('check');
      if (failCheck) throw new CommandError(['nginx', '-t'], 1, 'nginx: [emerg] simulated');
    },
    async reloadUnits() {
      calls.push('daemon-reload');
    },
    async isRunning(name) {
      return running.has(name);
    },
    async restart(name) {
      calls.push(`restart ${name}`);
      running.add(name);
    },
    async reload(name) {
      calls.push(`reload ${name}`);
      running.add(name);
    },
    async mainPid() {
      return undefined;
    },
    async enable(name) {
      calls.push(`enable ${name}`);
    },
    async stopAndDisable(name) {
      calls.push(`stop ${name}`);
      running.delete(name);
    },
    async setScaleOutTimer(on) {
      timer.on = on;
    },
  };
  return { services, calls, timer, setFailCheck: (v: boolean) => (failCheck = v) };
}

const profile: NetworkProfile = { mode: 'sandbox', httpsPort: 18443, httpPort: 18080, enginePort: 18081, listenAddress: '127.0.0.1' };

function setup(t: { after(fn: () => void): void }) {
  const root = mkdtempSync(join(tmpdir(), 'slm-configure-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'models'));
  writeHeaderOnlyGguf(join(root, 'models/m.gguf'), {
    architecture: 'llama',
    layers: 2,
    embd: 64,
    heads: 4,
    kvHeads: 4,
    contextLength: 32768,
  });
  writeFileSync(join(root, 'models/m.yaml'), 'name: test-model\ncontext_size: 8192\nparameters:\n  model: m.gguf\n  temperature: 0.2\n');
  const fs = new ApplianceFs(root);
  const rec = recordingServices();
  const env = (raw: Record<string, string>): ApplianceEnv => ({
    fs,
    runner: systemCommandRunner,
    services: rec.services,
    profile,
    raw,
    facts: { totalMemoryBytes: 8 * 1024 ** 3, usableCpus: 4, addresses: ['10.0.0.5'] },
    cpuinfo: 'flags : avx2\n',
    now: () => new Date(),
    acme: {},
    echo: undefined,
    sshTarget: undefined,
    readyTimeoutMs: 1000,
  });
  return { root, fs, rec, env };
}

/** Every file under root with its content, mode and mtime (to prove nothing changed). */
function snapshot(root: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (!skip.some((s) => p.endsWith(s))) out.set(p, `${st.mode.toString(8)} ${st.mtimeMs} ${readFileSync(p, 'utf8')}`);
    }
  };
  walk(root);
  return out;
}

describe('configure stage', () => {
  it('first run: generates the key, renders everything with explicit modes, starts both services', async (t) => {
    const { root, fs, rec, env } = setup(t);
    const old = process.umask(0o077);
    t.after(() => process.umask(old));
    assert.ok((await runInstall(env({}))).ok);
    const outcome = await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '7' }));
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.keySource, 'generated');
    assert.deepEqual(rec.calls, ['check', 'restart engine', 'restart nginx']);
    const key = readFileSync(fs.real(PATHS.apiKey), 'utf8').trim();
    assert.match(key, /^sk-[A-Za-z0-9]{48}$/);
    const mode = (p: string) => statSync(fs.real(p)).mode & 0o777;
    assert.equal(mode(PATHS.apiKey), 0o600);
    assert.equal(mode(PATHS.nginxKeyConf), 0o600);
    assert.equal(mode(PATHS.report), 0o600);
    assert.equal(mode(PATHS.nginxSite), 0o644);
    assert.equal(mode(PATHS.engineEnv), 0o644);
    assert.equal(mode(PATHS.acmeWebroot), 0o755);
    assert.equal(readFileSync(fs.real(PATHS.status), 'utf8'), 'configure_success\n');
    // The key appears only in the key file, the engine's copy (standalone), nginx's key map and the report.
    const holders = [...snapshot(root, ['.log']).entries()]
      .filter(([, v]) => v.includes(key))
      .map(([p]) => p.slice(root.length))
      .sort();
    assert.deepEqual(holders, [PATHS.report, PATHS.nginxKeyConf, PATHS.apiKey, PATHS.engineKey].sort());
    // Context size: auto, bounded by the model definition; threads: usable − 1.
    const settings = readFileSync(fs.real(PATHS.engineEnv), 'utf8');
    assert.match(settings, /SLM_ENGINE_CONTEXT_SIZE=8192\n/);
    assert.match(settings, /SLM_ENGINE_THREADS=3\n/);
    assert.match(readFileSync(fs.real(PATHS.modelConfig), 'utf8'), new RegExp(`model: ${fs.real('/models/m.gguf')}`));
    assert.match(readFileSync(fs.real(PATHS.nginxSite), 'utf8'), /rate=7r\/s/);
    assert.match(readFileSync(fs.real(PATHS.report), 'utf8'), /url = https:\/\/localhost:18443\/v1\n/);
  });

  it('reconfigure: unchanged context touches nothing; a rate limit reloads nginx only; threads restart the engine only', async (t) => {
    const { root, fs, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    const key = readFileSync(fs.real(PATHS.apiKey), 'utf8');
    const cert = readFileSync(fs.real(`${PATHS.tlsDir}/cert.pem`), 'utf8');
    rec.calls.length = 0;
    const before = snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.state, PATHS.status, PATHS.motd]);
    assert.ok((await runConfigure(env({}))).ok);
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.state, PATHS.status, PATHS.motd]), before);

    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '3' }))).ok);
    assert.deepEqual(rec.calls, ['check', 'reload nginx']);
    rec.calls.length = 0;
    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '3', ONEAPP_COPILOT_ENGINE_THREADS: '1' }))).ok);
    assert.deepEqual(rec.calls, ['restart engine']);
    assert.equal(readFileSync(fs.real(PATHS.apiKey), 'utf8'), key);
    assert.equal(readFileSync(fs.real(`${PATHS.tlsDir}/cert.pem`), 'utf8'), cert);
  });

  it('former variable names configure the same thing, and the report and log name the new variable for each', async (t) => {
    const { root, fs, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '3', ONEAPP_COPILOT_ENGINE_TIMEOUT: '60' }))).ok);
    rec.calls.length = 0;
    const skip = ['.log', PATHS.report, PATHS.loginBanner, PATHS.state, PATHS.status, PATHS.motd];
    const before = snapshot(root, skip);
    // Old names only: the same rendered files; both names with different values: the new one wins.
    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_RATE_LIMIT: '3', ONEAPP_COPILOT_TIMEOUT: '60' }))).ok);
    assert.ok(
      (await runConfigure(env({ ONEAPP_COPILOT_RATE_LIMIT: '7', ONEAPP_COPILOT_LIMIT_RATE: '3', ONEAPP_COPILOT_TIMEOUT: '60' }))).ok,
    );
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(snapshot(root, skip), before);
    const report = new ReportSections(readFileSync(fs.real(PATHS.report), 'utf8'));
    assert.match(report.get('Renamed variables', 'ONEAPP_COPILOT_RATE_LIMIT'), /^IGNORED: ONEAPP_COPILOT_LIMIT_RATE is also set and wins/);
    assert.equal(report.get('Renamed variables', 'ONEAPP_COPILOT_TIMEOUT'), 'use ONEAPP_COPILOT_ENGINE_TIMEOUT');
    const log = readFileSync(fs.real(`${PATHS.logDir}/configure.log`), 'utf8');
    assert.match(log, /ONEAPP_COPILOT_TIMEOUT is a former name, still read; rename it to ONEAPP_COPILOT_ENGINE_TIMEOUT/);
    // With the new names only, the section goes away.
    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '3', ONEAPP_COPILOT_ENGINE_TIMEOUT: '60' }))).ok);
    assert.ok(!readFileSync(fs.real(PATHS.report), 'utf8').includes('[Renamed variables]'));
  });

  it('own certificate: a valid one serves; an expired one, a foreign key or a missing intermediate is refused and the served one stays', async (t) => {
    const { root, fs, rec, env } = setup(t);
    const pkiDir = mkdtempSync(join(tmpdir(), 'slm-pki-'));
    t.after(() => rmSync(pkiDir, { recursive: true, force: true }));
    const pki = new TestPki(pkiDir);
    const ca = pki.root();
    const inter = pki.intermediate(ca);
    const host = 'copilot.example.org';
    const leaf = pki.server(inter, `DNS:${host}`);
    await runInstall(env({}));
    const good = {
      ONEAPP_COPILOT_TLS_HOSTNAME: host,
      ONEAPP_COPILOT_TLS_CERT: base64(leaf.cert + inter.cert + ca.cert),
      ONEAPP_COPILOT_TLS_KEY: base64(leaf.key),
    };
    const first = await runConfigure(env(good));
    assert.ok(first.ok, JSON.stringify(first.issues));
    const state = await readState(fs);
    assert.equal(state?.tlsMode, 'custom');
    assert.equal(state?.certificateKind, 'custom');
    assert.equal(readFileSync(state!.certPath, 'utf8'), `${leaf.cert.trim()}\n${inter.cert.trim()}\n`);
    assert.equal(readFileSync(state!.caBundle!, 'utf8').trim(), ca.cert.trim());
    assert.equal(statSync(fs.real(`${PATHS.tlsDir}/custom/key.pem`)).mode & 0o777, 0o600);
    const site = readFileSync(fs.real(PATHS.nginxSite), 'utf8');
    assert.ok(site.includes(`ssl_certificate ${state!.certPath};`), site);
    assert.match(readFileSync(fs.real(PATHS.report), 'utf8'), /tls_certificate = custom/);

    rec.calls.length = 0;
    const skip = ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.motd];
    const before = snapshot(root, skip);
    const other = pki.server(inter, `DNS:${host}`);
    const expired = pki.server(inter, `DNS:${host}`, { start: '20200101000000Z', end: '20200201000000Z' });
    const cases: [Record<string, string>, string, RegExp][] = [
      [
        { ...good, ONEAPP_COPILOT_TLS_CERT: base64(expired.cert + inter.cert + ca.cert), ONEAPP_COPILOT_TLS_KEY: base64(expired.key) },
        'ONEAPP_COPILOT_TLS_CERT',
        /expired on 2020-02-01/,
      ],
      [{ ...good, ONEAPP_COPILOT_TLS_KEY: base64(other.key) }, 'ONEAPP_COPILOT_TLS_KEY', /does not belong/],
      [{ ...good, ONEAPP_COPILOT_TLS_CERT: base64(leaf.cert + ca.cert) }, 'ONEAPP_COPILOT_TLS_CERT', /chain does not verify/],
      [{ ...good, ONEAPP_COPILOT_TLS_HOSTNAME: 'other.example.org' }, 'ONEAPP_COPILOT_TLS_CERT', /does not cover other\.example\.org/],
      [{ ...good, ONEAPP_COPILOT_TLS_KEY: '' }, 'ONEAPP_COPILOT_TLS_KEY', /required with ONEAPP_COPILOT_TLS_CERT/],
    ];
    for (const [raw, field, message] of cases) {
      const outcome = await runConfigure(env(raw));
      assert.equal(outcome.ok, false, field);
      assert.equal(outcome.issues[0]?.field, field);
      assert.match(outcome.issues[0]!.message, message);
      assert.deepEqual(rec.calls, [], 'no service touched');
      assert.deepEqual(snapshot(root, skip), before, 'the served certificate, key and state stay');
      const report = readFileSync(fs.real(PATHS.report), 'utf8');
      assert.ok(report.includes(`error.${field} = `), report);
      assert.ok(
        report.includes(`tls_fingerprint_sha256 = ${state!.fingerprintSha256}`),
        'the report still describes the serving certificate',
      );
      assert.ok(!report.includes(leaf.key.split('\n')[1]!), 'the key is never echoed');
    }
  });

  it('an appliance from before the appliance CA (self-signed leaf, old state) upgrades on the next configure', async (t) => {
    const { fs, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    const key = readFileSync(fs.real(PATHS.apiKey), 'utf8');
    // Turn it into what earlier versions left: one self-signed leaf, no CA, nginx serving cert.pem.
    const tls = fs.real(PATHS.tlsDir);
    for (const f of ['ca.pem', 'ca-key.pem', 'fullchain.pem']) rmSync(join(tls, f));
    await makePreCaCertificate(join(tls, 'cert.pem'), join(tls, 'key.pem'), 'localhost');
    const { caPath: _ca, caFingerprintSha256: _fp, httpPort: _port, ...oldState } = (await readState(fs))!;
    writeFileSync(fs.real(PATHS.state), JSON.stringify({ ...oldState, certPath: join(tls, 'cert.pem') }));
    const site = fs.real(PATHS.nginxSite);
    writeFileSync(site, readFileSync(site, 'utf8').replace(join(tls, 'fullchain.pem'), join(tls, 'cert.pem')));
    assert.match(readFileSync(fs.real(PATHS.report), 'utf8'), /ca_certificate = /, 'the old state still reports its certificate');
    rec.calls.length = 0;

    const outcome = await runConfigure(env({}));
    assert.ok(outcome.ok, JSON.stringify(outcome.issues));
    assert.equal(outcome.certificate?.applianceCa.reason, 'no appliance CA yet');
    assert.equal(outcome.certificate?.note, 'not signed by the appliance CA');
    assert.deepEqual(rec.calls, ['check', 'reload nginx'], 'the edge picks up the new chain; the engine keeps running');
    const state = (await readState(fs))!;
    assert.equal(state.caPath, join(tls, 'ca.pem'));
    assert.equal(state.certPath, join(tls, 'fullchain.pem'));
    assert.match(readFileSync(site, 'utf8'), new RegExp(`ssl_certificate ${join(tls, 'fullchain.pem')};`));
    const report = readFileSync(fs.real(PATHS.report), 'utf8');
    assert.ok(report.includes(`ca_certificate = ${join(tls, 'ca.pem')}\n`));
    assert.ok(report.includes(`ca_fingerprint_sha256 = ${state.caFingerprintSha256}\n`));
    assert.equal(readFileSync(fs.real(PATHS.apiKey), 'utf8'), key, 'the API key survives the upgrade');
  });

  it('invalid context: nothing changes, no service is touched, the report names every bad variable', async (t) => {
    const { root, fs, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    const key = readFileSync(fs.real(PATHS.apiKey), 'utf8').trim();
    rec.calls.length = 0;
    const before = snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.motd]);
    const outcome = await runConfigure(
      env({
        ONEAPP_COPILOT_ENGINE_TIMEOUT: '30;}',
        ONEAPP_COPILOT_TLS_HOSTNAME: 'evil.example\n  return 200',
        ONEAPP_COPILOT_API_KEY: 'sk-newkeynewkeynewkey"',
      }),
    );
    assert.equal(outcome.ok, false);
    assert.deepEqual(outcome.issues.map((i) => i.field).sort(), [
      'ONEAPP_COPILOT_API_KEY',
      'ONEAPP_COPILOT_ENGINE_TIMEOUT',
      'ONEAPP_COPILOT_TLS_HOSTNAME',
    ]);
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.motd]), before);
    assert.equal(readFileSync(fs.real(PATHS.status), 'utf8'), 'configure_failure\n');
    const report = readFileSync(fs.real(PATHS.report), 'utf8');
    assert.match(report, /status = configure_failure/);
    assert.match(report, /error\.ONEAPP_COPILOT_ENGINE_TIMEOUT = /);
    assert.match(report, /error\.ONEAPP_COPILOT_TLS_HOSTNAME = /);
    assert.ok(report.includes(`api_key = ${key}`), 'the report still shows the key that is serving');
    assert.ok(!report.includes('newkeynewkey'), 'a rejected key is never echoed');
    assert.match(readFileSync(fs.real(`${PATHS.logDir}/configure.log`), 'utf8'), /ONEAPP_COPILOT_ENGINE_TIMEOUT/);
  });

  it('a configured key replaces the generated one; clearing the variable keeps it', async (t) => {
    const { fs, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    rec.calls.length = 0;
    const chosen = 'sk-operatorChosenKey0123456789';
    const o = await runConfigure(env({ ONEAPP_COPILOT_API_KEY: chosen }));
    assert.equal(o.keySource, 'configured');
    assert.deepEqual(rec.calls, ['check', 'restart engine', 'reload nginx']);
    assert.equal(readFileSync(fs.real(PATHS.apiKey), 'utf8').trim(), chosen);
    const again = await runConfigure(env({}));
    assert.equal(again.keySource, 'kept');
    assert.equal(readFileSync(fs.real(PATHS.apiKey), 'utf8').trim(), chosen);
  });

  it('restores every file when nginx -t rejects the result', async (t) => {
    const { root, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    const before = snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.state, PATHS.motd]);
    rec.setFailCheck(true);
    rec.calls.length = 0;
    const o = await runConfigure(env({ ONEAPP_COPILOT_LIMIT_RATE: '2', ONEAPP_COPILOT_API_KEY: 'sk-operatorChosenKey0123456789' }));
    assert.equal(o.ok, false);
    assert.match(o.issues[0]!.message, /simulated/);
    assert.deepEqual(rec.calls, ['check']);
    const after = snapshot(root, ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.state, PATHS.motd]);
    for (const [p, v] of before) assert.equal(after.get(p)?.split(' ').slice(2).join(' '), v.split(' ').slice(2).join(' '), p);
  });

  it('names ONEAPP_COPILOT_ENGINE_MODEL when the model definition does not exist', async (t) => {
    const { env } = setup(t);
    await runInstall(env({}));
    const o = await runConfigure(env({ ONEAPP_COPILOT_ENGINE_MODEL: 'nope' }));
    assert.equal(o.ok, false);
    assert.equal(o.issues[0]!.field, 'ONEAPP_COPILOT_ENGINE_MODEL');
    assert.match(o.issues[0]!.message, /available: m/);
  });

  it('auto context: sized from the GGUF and the RAM, and a short window is explained in the report', async (t) => {
    const { root, fs, env } = setup(t);
    await runInstall(env({}));
    // Devstral's header (160 KiB/token) on the 8 GiB test machine: far below 32k, limited by memory.
    writeHeaderOnlyGguf(join(root, 'models/m.gguf'), DEVSTRAL_SMALL_2_HEADER);
    writeFileSync(join(root, 'models/m.yaml'), 'name: test-model\nparameters:\n  model: m.gguf\n');
    assert.ok((await runConfigure(env({}))).ok);
    const settings = readFileSync(fs.real(PATHS.engineEnv), 'utf8');
    // (8 GiB − 1.5 GiB reserve − the header's few bytes) / 160 KiB = 42,598 → 40,960.
    assert.match(settings, /SLM_ENGINE_CONTEXT_SIZE=40960\n/);
    let report = readFileSync(fs.real(PATHS.report), 'utf8');
    assert.match(report, /^context_size = 40960$/m);
    assert.doesNotMatch(report, /context_note/);
    writeHeaderOnlyGguf(join(root, 'models/m.gguf'), { ...DEVSTRAL_SMALL_2_HEADER, layers: 80 });
    assert.ok((await runConfigure(env({}))).ok);
    report = readFileSync(fs.real(PATHS.report), 'utf8');
    assert.match(report, /^context_size = 20480$/m);
    assert.match(
      report,
      /^context_note = context window 20480 tokens: only 6\.5 GiB of RAM is left for the KV cache .* Cline needs about 16k tokens/m,
    );
  });

  it('names ONEAPP_COPILOT_ENGINE_MODEL when the weights are not a GGUF file, and keeps the running configuration', async (t) => {
    const { root, rec, env } = setup(t);
    await runInstall(env({}));
    assert.ok((await runConfigure(env({}))).ok);
    rec.calls.length = 0;
    const skip = ['.log', PATHS.report, PATHS.loginBanner, PATHS.status, PATHS.motd, '/models/m.gguf'];
    const before = snapshot(root, skip);
    writeFileSync(join(root, 'models/m.gguf'), Buffer.alloc(1024));
    const o = await runConfigure(env({}));
    assert.equal(o.ok, false);
    assert.equal(o.issues[0]!.field, 'ONEAPP_COPILOT_ENGINE_MODEL');
    assert.match(o.issues[0]!.message, /cannot read GGUF metadata of .*m\.gguf/);
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(snapshot(root, skip), before);
  });

  it('names the definition file and each bad field when the model definition is invalid', async (t) => {
    const { root, env } = setup(t);
    await runInstall(env({}));
    writeFileSync(join(root, 'models/m.yaml'), 'name: test model\ncontext_size: 0\nparameters:\n  model: m.gguf\n');
    const o = await runConfigure(env({}));
    assert.equal(o.ok, false);
    assert.deepEqual(o.issues, [
      {
        field: 'ONEAPP_COPILOT_ENGINE_MODEL',
        message:
          '/models/m.yaml: name: allowed: 1 to 128 letters, digits and . _ : / - starting with a letter or digit; ' +
          '/models/m.yaml: context_size: Too small: expected number to be >=1',
      },
    ]);
  });

  it('system layout: unit + daemon-reload, site enabled, Debian default site removed, services enabled, 80/443', async (t) => {
    const { root, fs, rec, env } = setup(t);
    mkdirSync(join(root, 'etc/nginx/sites-enabled'), { recursive: true });
    writeFileSync(join(root, 'etc/nginx/sites-enabled/default'), 'server {}');
    const systemEnv = (raw: Record<string, string>): ApplianceEnv => ({ ...env(raw), profile: SYSTEM_PROFILE });
    await writeStatus(fs, 'install', 'success');
    const o = await runConfigure(systemEnv({ ETH0_IP: '10.0.0.5' }));
    assert.ok(o.ok, JSON.stringify(o.issues));
    assert.deepEqual(rec.calls, ['check', 'daemon-reload', 'restart engine', 'restart nginx', 'enable engine', 'enable nginx']);
    assert.equal(readlinkSync(fs.real(PATHS.nginxSiteEnabled)), fs.real(PATHS.nginxSite));
    assert.equal(existsSync(join(root, 'etc/nginx/sites-enabled/default')), false);
    assert.match(readFileSync(fs.real(PATHS.engineUnit), 'utf8'), /^ExecStart=\/opt\/slm-copilot\/bin\/slm-copilot serve /m);
    const site = readFileSync(fs.real(PATHS.nginxSite), 'utf8');
    assert.match(site, /listen 443 ssl default_server;/);
    assert.match(site, /listen 80 default_server;/);
    assert.match(readFileSync(fs.real(PATHS.report), 'utf8'), /url = https:\/\/10\.0\.0\.5\/v1\n/);
    const state = await readState(fs);
    assert.equal(state?.hostname, '10.0.0.5');
  });

  it('refuses to configure before install', async (t) => {
    const { env } = setup(t);
    const o = await runConfigure(env({}));
    assert.equal(o.ok, false);
    assert.deepEqual(o.issues, [
      { field: 'status', message: 'the appliance is not installed (status "empty"): run "slm-copilot install" first' },
    ]);
  });
});

/** What every stage writes, even a failed one (log, status, report, banners). */
const STAGE_OUTPUTS = [
  '/var/log/one-appliance/configure.log',
  '/etc/one-appliance/status',
  '/etc/one-appliance/config',
  '/etc/motd',
  '/etc/profile.d/slm-copilot.sh',
];

describe('configure: OneFlow service roles', () => {
  const API_KEY = 'sk-abcdefghijklmnopqrstuvwxyz012345';
  const derived = internalCredential({ serviceCredential: undefined, apiKey: API_KEY });

  it('engine: listens on the private address only, accepts only the internal credential, no public edge, timer on', async (t) => {
    const { fs, rec, env } = setup(t);
    await writeStatus(fs, 'install', 'success');
    // A public NIC first and a private one second: the engine takes the private one.
    const engineEnv = (raw: Record<string, string>): ApplianceEnv => ({
      ...env(raw),
      profile: SYSTEM_PROFILE,
      facts: { totalMemoryBytes: 8 * 1024 ** 3, usableCpus: 4, addresses: ['203.0.113.7', '10.1.0.7'] },
    });
    const o = await runConfigure(engineEnv({ ONEAPP_COPILOT_SERVICE_ROLE: 'engine', ONEAPP_COPILOT_API_KEY: API_KEY }));
    assert.ok(o.ok, JSON.stringify(o.issues));
    assert.deepEqual(rec.calls, ['daemon-reload', 'restart engine', 'stop nginx', 'enable engine']);
    assert.equal(rec.timer.on, true);
    const settings = readFileSync(fs.real(PATHS.engineEnv), 'utf8');
    assert.match(settings, /^SLM_ENGINE_HOST=10\.1\.0\.7$/m);
    assert.equal(readFileSync(fs.real(PATHS.engineKey), 'utf8'), `${derived}\n`);
    assert.notEqual(derived, API_KEY);
    assert.equal((statSync(fs.real(PATHS.engineKey)).mode & 0o777).toString(8), '600');
    assert.equal(existsSync(fs.real(PATHS.nginxSite)), false, 'no public edge on an engine');
    assert.match(readFileSync(fs.real(PATHS.scaleOutTimer), 'utf8'), /OnUnitActiveSec=15s/);
    assert.match(
      readFileSync(fs.real(PATHS.scaleOutUnit), 'utf8'),
      /^ExecStart=\/usr\/bin\/flock -n -E 0 \/run\/lock\/one-appliance\.lock \/opt\/slm-copilot\/bin\/slm-copilot scale-out$/m,
    );
    const report = readFileSync(fs.real(PATHS.report), 'utf8');
    const sections = new ReportSections(report);
    assert.equal(sections.get('Scale-out', 'role'), 'engine');
    assert.equal(sections.get('Scale-out', 'listen'), '10.1.0.7:8081');
    assert.ok(!report.includes(derived), 'the internal credential is not in the report');
    assert.equal((await readState(fs))?.url, 'http://10.1.0.7:8081/v1');

    // Back to standalone: the engine takes the public key again, the timer stops.
    const back = await runConfigure({ ...engineEnv({ ONEAPP_COPILOT_API_KEY: API_KEY }) });
    assert.ok(back.ok, JSON.stringify(back.issues));
    assert.equal(readFileSync(fs.real(PATHS.engineKey), 'utf8'), `${API_KEY}\n`);
    assert.match(readFileSync(fs.real(PATHS.engineEnv), 'utf8'), /^SLM_ENGINE_HOST=127\.0\.0\.1$/m);
    assert.equal(rec.timer.on, false);
  });

  it('engine: refuses to start on a VM without a private address, and changes nothing', async (t) => {
    const { root, fs, rec, env } = setup(t);
    await writeStatus(fs, 'install', 'success');
    const before = snapshot(root, STAGE_OUTPUTS);
    const o = await runConfigure({
      ...env({ ONEAPP_COPILOT_SERVICE_ROLE: 'engine', ONEAPP_COPILOT_API_KEY: API_KEY }),
      facts: { totalMemoryBytes: 8 * 1024 ** 3, usableCpus: 4, addresses: ['203.0.113.7'] },
    });
    assert.equal(o.ok, false);
    assert.equal(o.issues[0]?.field, 'ONEAPP_COPILOT_SERVICE_ROLE');
    assert.match(o.issues[0]?.message ?? '', /private network.*203\.0\.113\.7/);
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(snapshot(root, STAGE_OUTPUTS), before);
  });

  it('edge: no engine, nginx over the engines with the same derived credential; discovery keeps its upstream', async (t) => {
    const { fs, rec, env } = setup(t);
    await writeStatus(fs, 'install', 'success');
    const o = await runConfigure(env({ ONEAPP_COPILOT_SERVICE_ROLE: 'edge', ONEAPP_COPILOT_API_KEY: API_KEY }));
    assert.ok(o.ok, JSON.stringify(o.issues));
    assert.deepEqual(rec.calls, ['check', 'stop engine', 'restart nginx']);
    assert.equal(rec.timer.on, true);
    assert.equal(existsSync(fs.real(PATHS.engineEnv)), false, 'no model is loaded on the edge');
    const site = readFileSync(fs.real(PATHS.nginxSite), 'utf8');
    assert.match(site, /^js_import slm_copilot_route from .*route\.js;$/m);
    assert.match(site, /proxy_pass http:\/\/slm_copilot_engines;/);
    assert.doesNotMatch(site, /upstream slm_copilot_engine \{/);
    assert.match(readFileSync(fs.real(PATHS.nginxSandboxMain), 'utf8'), /^load_module .*ngx_http_js_module\.so;$/m);
    const credential = readFileSync(fs.real(PATHS.nginxEngineCredential), 'utf8');
    assert.ok(credential.includes(`"Bearer ${derived}"`), 'the edge presents what the engines derive');
    assert.equal((statSync(fs.real(PATHS.nginxEngineCredential)).mode & 0o777).toString(8), '600');
    assert.match(readFileSync(fs.real(PATHS.nginxEngineUpstream), 'utf8'), /no engine is ready/);
    assert.equal(new ReportSections(readFileSync(fs.real(PATHS.report), 'utf8')).get('Scale-out', 'role'), 'edge');

    // The engine list belongs to discovery: a reconfigure leaves it alone.
    const discovered = readFileSync(fs.real(PATHS.nginxEngineUpstream), 'utf8').replace(
      '    server 127.0.0.1:9 down; # no engine is ready',
      '    server 10.1.0.7:8081 max_conns=2; # vm 7',
    );
    writeFileSync(fs.real(PATHS.nginxEngineUpstream), discovered);
    rec.calls.length = 0;
    assert.ok((await runConfigure(env({ ONEAPP_COPILOT_SERVICE_ROLE: 'edge', ONEAPP_COPILOT_API_KEY: API_KEY }))).ok);
    assert.equal(readFileSync(fs.real(PATHS.nginxEngineUpstream), 'utf8'), discovered);
    assert.deepEqual(rec.calls, ['stop engine']);
  });
});
