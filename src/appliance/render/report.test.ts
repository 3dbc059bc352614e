import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ReportSections } from '../../../test/support/report-sections.ts';
import { checkCpu } from '../report/cpu-check.ts';
import type { ReportData } from '../report/report-data.ts';
import { renderLoginBanner } from './login-banner.ts';
import { renderReport, SOVEREIGNTY_STATEMENT } from './report.ts';

const KEY = 'sk-ReportKey0123456789abcdefghijklmnopqrstuvwxyzABCD';
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBcA==\n-----END CERTIFICATE-----\n';
const base: ReportData = {
  status: 'bootstrap_success',
  issues: [],
  endpoint: {
    url: 'https://10.0.0.5/v1',
    hostname: '10.0.0.5',
    apiKey: KEY,
    modelId: 'devstral-small-2',
    contextSize: 32768,
    tlsMode: 'self-signed',
    certificateKind: 'self-signed',
    fingerprintSha256: 'AA:BB',
    caFile: '/var/lib/slm-copilot/tls/ca.pem',
    caPem: CA_PEM,
    caFingerprintSha256: 'CA:FF',
    caUrl: 'http://10.0.0.5/slm-copilot-ca.pem',
    caSource: 'root@10.0.0.5:/var/lib/slm-copilot/tls/ca.pem',
    tlsNote: undefined,
  },
  selfTest: { ok: true, detail: 'ok' },
  cpu: { avx2: true, warning: undefined },
  generatedAt: new Date('2026-01-01T00:00:00Z'),
  renamed: [],
};

/** Multi-line INI value: the indented lines after `key =`, read as a user copies them. */
function blockValue(text: string, key: string): string {
  const section = { curl: 'Shell', exports: 'Shell', providers_json: 'Cline', config_yaml: 'Continue' }[key];
  assert.ok(section, key);
  return new ReportSections(text).get(section, key);
}

describe('renderReport', () => {
  const text = renderReport(base);

  it('names the new variable for every former name in use, and which one won a conflict', () => {
    assert.ok(!text.includes('[Renamed variables]'));
    const renamed = new ReportSections(
      renderReport({
        ...base,
        renamed: [
          { former: 'ONEAPP_COPILOT_HOSTNAME', current: 'ONEAPP_COPILOT_TLS_HOSTNAME', conflict: false },
          { former: 'ONEAPP_COPILOT_TIMEOUT', current: 'ONEAPP_COPILOT_ENGINE_TIMEOUT', conflict: true },
        ],
      }),
    );
    assert.equal(renamed.get('Renamed variables', 'ONEAPP_COPILOT_HOSTNAME'), 'use ONEAPP_COPILOT_TLS_HOSTNAME');
    assert.match(
      renamed.get('Renamed variables', 'ONEAPP_COPILOT_TIMEOUT'),
      /^IGNORED: ONEAPP_COPILOT_ENGINE_TIMEOUT is also set and wins/,
    );
  });

  it('has the endpoint, key, model, context, TLS fingerprint and status', () => {
    for (const line of [
      'url = https://10.0.0.5/v1',
      `api_key = ${KEY}`,
      'model = devstral-small-2',
      'context_size = 32768',
      'tls_mode = self-signed',
      'tls_fingerprint_sha256 = AA:BB',
      'status = bootstrap_success',
      'avx2 = yes',
      'ui_supports_images = untick "Supports Images" (this model reads text only)',
      `statement = ${SOVEREIGNTY_STATEMENT}`,
    ])
      assert.ok(text.includes(`${line}\n`), line);
  });

  it('gives a curl with --cacert and the OpenAI env exports', () => {
    assert.match(blockValue(text, 'curl'), /curl -N --cacert slm-copilot-ca\.pem https:\/\/10\.0\.0\.5\/v1\/chat\/completions/);
    assert.ok(text.includes('ca_certificate = /var/lib/slm-copilot/tls/ca.pem\n'));
    assert.ok(text.includes('ca_fingerprint_sha256 = CA:FF\n'));
    assert.ok(
      text.includes(
        "ca_download = curl -fsS -o slm-copilot-ca.pem http://10.0.0.5/slm-copilot-ca.pem && openssl x509 -in slm-copilot-ca.pem -noout -fingerprint -sha256 | grep -qi '=CA:FF$' && echo",
      ),
    );
    assert.ok(text.includes('ca_download_scp = scp root@10.0.0.5:/var/lib/slm-copilot/tls/ca.pem slm-copilot-ca.pem\n'));
    const exports = blockValue(text, 'exports');
    assert.ok(exports.includes('export OPENAI_BASE_URL=https://10.0.0.5/v1'));
    assert.ok(exports.includes(`export OPENAI_API_KEY=${KEY}`));
  });

  it('gives a valid Cline providers.json', () => {
    const json = JSON.parse(blockValue(text, 'providers_json')) as {
      providers: Record<string, { settings: Record<string, unknown>; updatedAt: string }>;
    };
    // Without updatedAt, Cline CLI 3.0.65 drops the entry for its cloud provider (test/clients/cline.test.ts).
    assert.equal(json.providers['openai-compatible']!.updatedAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(json.providers['openai-compatible']!.settings, {
      provider: 'openai-compatible',
      apiKey: KEY,
      model: 'devstral-small-2',
      baseUrl: 'https://10.0.0.5/v1',
      contextWindow: 32768,
    });
  });

  it('gives a valid Continue config.yaml with tool_use and the CA inline as caBundlePath, never a timeout', () => {
    const yaml = parse(blockValue(text, 'config_yaml')) as { models: Record<string, unknown>[] };
    const model = yaml.models[0]!;
    assert.deepEqual(model['capabilities'], ['tool_use']);
    assert.equal(model['provider'], 'openai');
    assert.equal(model['apiBase'], 'https://10.0.0.5/v1/');
    // A path would resolve against the IDE's working directory on the laptop; the data: URI works anywhere.
    const { caBundlePath } = model['requestOptions'] as { caBundlePath: string };
    const prefix = 'data:application/x-pem-file;base64,';
    assert.ok(caBundlePath.startsWith(prefix), caBundlePath);
    assert.equal(Buffer.from(caBundlePath.slice(prefix.length), 'base64').toString(), CA_PEM);
    assert.doesNotMatch(blockValue(text, 'config_yaml'), /timeout/);
  });

  it('names each bad variable and keeps the previous endpoint on failure', () => {
    const failed = renderReport({
      ...base,
      status: 'configure_failure',
      issues: [
        { field: 'ONEAPP_COPILOT_ENGINE_TIMEOUT', message: 'invalid value "x"; allowed: integer' },
        { field: 'ONEAPP_COPILOT_TLS_MODE', message: 'invalid value "y"' },
      ],
    });
    assert.ok(failed.includes('status = configure_failure\n'));
    assert.ok(failed.includes('error.ONEAPP_COPILOT_ENGINE_TIMEOUT = invalid value "x"; allowed: integer\n'));
    assert.ok(failed.includes('error.ONEAPP_COPILOT_TLS_MODE = '));
    assert.match(failed, /last_error = ONEAPP_COPILOT_ENGINE_TIMEOUT: .* \| ONEAPP_COPILOT_TLS_MODE: /);
    assert.ok(failed.includes(`api_key = ${KEY}`));
  });

  it('omits --cacert for a publicly trusted certificate', () => {
    const le = renderReport({
      ...base,
      endpoint: {
        ...base.endpoint!,
        certificateKind: 'letsencrypt',
        tlsMode: 'letsencrypt',
        caFile: undefined,
        caPem: undefined,
        caFingerprintSha256: undefined,
        caUrl: undefined,
        caSource: undefined,
        url: 'https://c.example.org/v1',
      },
    });
    assert.doesNotMatch(le, /--cacert|caBundlePath|NODE_EXTRA_CA_CERTS|ca_/);
  });

  it('warns when AVX2 is missing', () => {
    const cpu = checkCpu('processor: 0\nflags\t\t: fpu sse sse2 avx\n');
    assert.equal(cpu.avx2, false);
    assert.match(cpu.warning!, /host-passthrough/);
    assert.ok(renderReport({ ...base, cpu }).includes('avx2 = no\nwarning = '));
    assert.equal(checkCpu('flags\t: fpu avx2 fma\n').avx2, true);
  });
});

describe('renderLoginBanner', () => {
  it('shows endpoint and where the key is, never the key', () => {
    const b = renderLoginBanner({
      url: 'https://10.0.0.5/v1',
      modelId: 'm',
      reportPath: '/etc/one-appliance/config',
      statusPath: '/etc/one-appliance/status',
    });
    assert.ok(b.includes("'https://10.0.0.5/v1'"));
    assert.ok(b.includes('/etc/one-appliance/config'));
    assert.ok(!b.includes('sk-'));
  });
});
