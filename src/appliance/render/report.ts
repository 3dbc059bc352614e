/**
 * The operator's report, /etc/one-appliance/config (0600, INI-like `[Section]` + `key = value`;
 * multi-line values continue on indented lines). Everything needed to connect Cline, Continue, curl or
 * the OpenAI SDKs, plus status, last error and the CPU check.
 */
import { stringify } from 'yaml';
import type { EndpointInfo, ReportData } from '../report/report-data.ts';
import { prefixCacheSection } from './report-prefix-cache.ts';
import { renderScaleOutSection } from './scale-out-report.ts';

export const SOVEREIGNTY_STATEMENT =
  'All inference runs on this machine: prompts, code and completions never leave it, there is no telemetry ' +
  'and no call to any external AI service. Model weights are stored locally; only you hold the API key.';

function block(key: string, text: string): string[] {
  return [
    `${key} =`,
    ...text
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ];
}

/** Cline CLI 3.0.65 ignores a provider entry without `updatedAt` and falls back to its cloud provider. */
function clineProvidersJson(e: EndpointInfo, updatedAt: Date): string {
  return JSON.stringify(
    {
      version: 1,
      lastUsedProvider: 'openai-compatible',
      providers: {
        'openai-compatible': {
          settings: { provider: 'openai-compatible', apiKey: e.apiKey, model: e.modelId, baseUrl: e.url, contextWindow: e.contextSize },
          updatedAt: updatedAt.toISOString(),
          tokenSource: 'manual',
        },
      },
    },
    null,
    2,
  );
}

/**
 * Continue reads `caBundlePath` with readFileSync, so a relative path resolves against the IDE's working
 * directory, and a failed read is only logged with VERBOSE_FETCH: the request then fails as untrusted with
 * no hint why. It also accepts a `data:` URI, which makes the pasted config carry its own trust anchor.
 */
export function pemDataUri(pem: string): string {
  return `data:application/x-pem-file;base64,${Buffer.from(pem).toString('base64')}`;
}

function continueYaml(e: EndpointInfo): string {
  const model: Record<string, unknown> = {
    name: 'SLM-Copilot',
    provider: 'openai',
    model: e.modelId,
    apiBase: `${e.url}/`,
    apiKey: '${{ secrets.SLM_COPILOT_API_KEY }}',
    roles: ['chat', 'edit', 'apply'],
    capabilities: ['tool_use'],
    defaultCompletionOptions: { contextLength: e.contextSize, maxTokens: Math.min(4096, Math.floor(e.contextSize / 4)) },
  };
  // Never requestOptions.timeout: Continue passes it as milliseconds (continue#12450).
  if (e.caPem !== undefined) model['requestOptions'] = { caBundlePath: pemDataUri(e.caPem) };
  // lineWidth 0: the data: URI stays one line instead of a folded scalar that is easy to break when pasting.
  return stringify({ name: 'SLM-Copilot', version: '1.0.0', schema: 'v1', models: [model] }, { lineWidth: 0 });
}

/**
 * One line for a laptop: fetch the CA over plain HTTP (nothing is trusted yet, so HTTPS would prove
 * nothing) and keep it only if its fingerprint is the one this report states. The report reached the
 * operator over SSH or the console, so the check is as trustworthy as that channel; the file itself is
 * public (a certificate, no key).
 */
export function caDownloadCommand(url: string, fingerprint: string): string {
  const file = 'slm-copilot-ca.pem';
  return (
    `curl -fsS -o ${file} ${url} && openssl x509 -in ${file} -noout -fingerprint -sha256 | grep -qi '=${fingerprint}$' ` +
    `&& echo '${file}: fingerprint OK' || { rm -f ${file}; echo '${file}: download failed or WRONG fingerprint, removed'; }`
  );
}

/** The CA file as the operator's machine names it: fetched as slm-copilot-ca.pem when it lives on the VM. */
function localCaFile(e: EndpointInfo): string | undefined {
  return e.caSource === undefined || e.caFile === undefined ? e.caFile : 'slm-copilot-ca.pem';
}

function endpointSections(e: EndpointInfo, generatedAt: Date): string[] {
  const ca = e.caFile === undefined ? undefined : 'slm-copilot-ca.pem';
  const caLocal = localCaFile(e);
  const cacert = caLocal === undefined ? '' : ` --cacert ${caLocal}`;
  const curl = [
    `curl -N${cacert} ${e.url}/chat/completions \\`,
    `  -H "Authorization: Bearer ${e.apiKey}" -H "Content-Type: application/json" \\`,
    `  -d '{"model":"${e.modelId}","stream":true,"messages":[{"role":"user","content":"Write hello world in Python"}]}'`,
  ].join('\n');
  const lines = [
    '[Endpoint]',
    `url = ${e.url}`,
    `api_key = ${e.apiKey}`,
    `model = ${e.modelId}`,
    `context_size = ${e.contextSize}`,
    ...(e.contextNote === undefined ? [] : [`context_note = ${e.contextNote}`]),
    `tls_mode = ${e.tlsMode}`,
    `tls_certificate = ${e.certificateKind}`,
    `tls_fingerprint_sha256 = ${e.fingerprintSha256}`,
  ];
  if (e.tlsNote !== undefined) lines.push(`tls_note = ${e.tlsNote}`);
  if (e.caFile !== undefined) {
    lines.push(`ca_certificate = ${e.caFile}`);
    if (e.caFingerprintSha256 !== undefined) lines.push(`ca_fingerprint_sha256 = ${e.caFingerprintSha256}`);
    if (e.caUrl !== undefined && e.caFingerprintSha256 !== undefined) {
      lines.push(`ca_download = ${caDownloadCommand(e.caUrl, e.caFingerprintSha256)}`);
    }
    if (e.caSource !== undefined) lines.push(`ca_download_scp = scp ${e.caSource} ${ca}`);
    lines.push(
      e.certificateKind === 'custom'
        ? 'ca_note = the certificate comes from a private CA (the root in ONEAPP_COPILOT_TLS_CERT): clients must trust this root'
        : e.caFingerprintSha256 === undefined
          ? 'ca_note = the certificate is self-signed: clients must trust this file (compare the fingerprint above)'
          : 'ca_note = trust this CA once (compare ca_fingerprint_sha256); the server certificate it signs may change (new IP, hostname, renewal) without touching clients',
    );
  }
  lines.push(
    '',
    '[Shell]',
    ...block('curl', curl),
    ...block(
      'exports',
      [
        `export OPENAI_BASE_URL=${e.url}`,
        `export OPENAI_API_KEY=${e.apiKey}`,
        ...(caLocal === undefined ? [] : [`export NODE_EXTRA_CA_CERTS=${caLocal}   # Node-based clients (Cline CLI, openai SDK)`]),
      ].join('\n'),
    ),
    '',
    '[Cline]',
    '; VS Code: Cline settings → API Provider "OpenAI Compatible", then type:',
    'ui_api_provider = OpenAI Compatible',
    `ui_base_url = ${e.url}`,
    `ui_api_key = ${e.apiKey}`,
    `ui_model_id = ${e.modelId}`,
    `ui_context_window = ${e.contextSize}`,
    'ui_supports_images = untick "Supports Images" (this model reads text only)',
    ...(caLocal === undefined
      ? []
      : [`ui_certificate = start VS Code with NODE_EXTRA_CA_CERTS=${caLocal} or add the CA to the OS trust store`]),
    `cli = cline auth -p openai-compatible -k ${e.apiKey} -m ${e.modelId} -b ${e.url}`,
    '; Cline CLI: ~/.cline/data/settings/providers.json (mode 0600)',
    ...block('providers_json', clineProvidersJson(e, generatedAt)),
    '',
    '[Continue]',
    '; ~/.continue/config.yaml; put the key in ~/.continue/.env',
    `env_file_line = SLM_COPILOT_API_KEY=${e.apiKey}`,
    ...block('config_yaml', continueYaml(e)),
  );
  return lines;
}

export function renderReport(data: ReportData): string {
  const lines = [
    '; SLM-Copilot appliance report. Written by slm-copilot; contains the API key: keep it 0600.',
    `; generated ${data.generatedAt.toISOString()}`,
    '',
    '[Status]',
    `status = ${data.status}`,
    `last_error = ${data.issues.length === 0 ? '' : data.issues.map((i) => `${i.field}: ${i.message}`.replaceAll('\n', ' ')).join(' | ')}`,
  ];
  for (const issue of data.issues) lines.push(`error.${issue.field} = ${issue.message.replaceAll('\n', ' ')}`);
  if (data.selfTest !== undefined)
    lines.push(`self_test = ${data.selfTest.ok ? 'passed' : 'FAILED'}: ${data.selfTest.detail.replaceAll('\n', ' ')}`);
  if (data.renamed.length > 0) {
    lines.push('', '[Renamed variables]', '; former names still work; set the new name in the VM template instead');
    for (const n of data.renamed)
      lines.push(
        n.conflict ? `${n.former} = IGNORED: ${n.current} is also set and wins; remove ${n.former}` : `${n.former} = use ${n.current}`,
      );
  }
  if (data.scaleOut !== undefined) lines.push('', ...renderScaleOutSection(data.scaleOut));
  lines.push('', '[CPU]', `avx2 = ${data.cpu.avx2 ? 'yes' : 'no'}`);
  if (data.cpu.warning !== undefined) lines.push(`warning = ${data.cpu.warning}`);
  lines.push('');
  if (data.endpoint === undefined)
    lines.push('; no endpoint configured yet: fix the errors above and re-run configure (or reboot / update the context)', '');
  else lines.push(...endpointSections(data.endpoint, data.generatedAt), '');
  if (data.prefixCache !== undefined) lines.push(...prefixCacheSection(data.prefixCache), '');
  lines.push('[Sovereignty]', `statement = ${SOVEREIGNTY_STATEMENT}`, '');
  return lines.join('\n');
}
