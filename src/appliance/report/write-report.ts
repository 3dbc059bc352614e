/** Builds the report from the persisted state, key and status, and writes it (0600) with the login banner. */
import { readFile } from 'node:fs/promises';
import type { ConfigIssue } from '../../lib/errors.ts';
import { hostInUrl, hostPort } from '../../lib/host-port.ts';
import { readEngineKey, readPersistedApiKey } from '../api-key.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import type { AliasNotice } from '../context/context-aliases.ts';
import { PATHS } from '../layout.ts';
import { renderLoginBanner } from '../render/login-banner.ts';
import { renderReport } from '../render/report.ts';
import { readEdgeView, readEnginePublication } from '../scale-out/scale-out-state.ts';
import { readState } from '../stage/appliance-state.ts';
import { readStatus } from '../stage/status-file.ts';
import { CA_DOWNLOAD_PATH } from '../tls/paths.ts';
import type { SelfTestResult } from '../verify/self-test.ts';
import { checkCpu } from './cpu-check.ts';
import { type EngineMetricsReader, type PrefixCacheReport, readPrefixCacheReport } from './prefix-cache-figures.ts';
import type { EndpointInfo, ReportData } from './report-data.ts';

export interface ReportInputs {
  issues: readonly ConfigIssue[];
  selfTest?: SelfTestResult | undefined;
  cpuinfo: string | undefined;
  now: Date;
  /** For `ca_download_scp`: how an operator reaches this machine (`root@<ip>`); undefined in the sandbox. */
  sshTarget: string | undefined;
  /** Former variable names in the context, for the report's [Renamed variables] section. */
  renamed?: readonly AliasNotice[];
  /** How the engine's /metrics is read for the [Prefix cache] section (default: HTTP to the engine). */
  readMetrics?: EngineMetricsReader;
}

export async function collectReport(fs: ApplianceFs, inputs: ReportInputs): Promise<ReportData> {
  const state = await readState(fs);
  const key = await readPersistedApiKey(fs);
  let endpoint: EndpointInfo | undefined;
  let prefixCache: PrefixCacheReport | undefined;
  if (state !== undefined && key !== undefined) {
    const selfSigned = state.certificateKind === 'self-signed';
    // States from before the appliance CA name only the served certificate, which was its own anchor.
    const caFile = selfSigned ? (state.caPath ?? state.certPath) : state.caBundle;
    endpoint = {
      url: state.url,
      hostname: state.hostname,
      apiKey: key,
      modelId: state.modelId,
      contextSize: state.contextSize,
      tlsMode: state.tlsMode,
      certificateKind: state.certificateKind,
      fingerprintSha256: state.fingerprintSha256,
      caFile,
      caPem: caFile === undefined ? undefined : await readPem(caFile),
      caFingerprintSha256: selfSigned ? state.caFingerprintSha256 : undefined,
      caUrl: selfSigned && state.caPath !== undefined ? caDownloadUrl(state.hostname, state.httpPort ?? 80) : undefined,
      caSource: selfSigned && inputs.sshTarget !== undefined ? `${inputs.sshTarget}:${caFile}` : undefined,
      tlsNote: state.tlsNote,
      contextNote: state.contextNote,
    };
  }
  // The cache is the local engine's: an edge VM has none. The engine accepts its own key file (the API key,
  // or the internal credential on a scale-out engine VM).
  if (state !== undefined && state.role !== 'edge') {
    const engineKey = (await readEngineKey(fs)) ?? key;
    if (engineKey !== undefined)
      prefixCache = await readPrefixCacheReport({
        engineOrigin: `http://${hostPort(state.engine.host, state.engine.port)}`,
        apiKey: engineKey,
        directory: fs.real(PATHS.prefixCacheDir),
        keyFile: fs.real(PATHS.engineKey),
        now: inputs.now,
        read: inputs.readMetrics,
      });
  }
  return {
    status: await readStatus(fs),
    issues: inputs.issues,
    endpoint,
    selfTest: inputs.selfTest ?? state?.selfTest,
    cpu: checkCpu(inputs.cpuinfo),
    generatedAt: inputs.now,
    renamed: inputs.renamed ?? [],
    scaleOut:
      state?.role === 'edge'
        ? { role: 'edge', view: await readEdgeView(fs) }
        : state?.role === 'engine'
          ? { role: 'engine', listen: hostPort(state.engine.host, state.engine.port), publication: await readEnginePublication(fs) }
          : undefined,
    prefixCache,
  };
}

/** State records real paths (as bootstrap reads them); a CA file that has gone leaves the configs without it. */
async function readPem(realPath: string): Promise<string | undefined> {
  return readFile(realPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

function caDownloadUrl(hostname: string, httpPort: number): string {
  const host = hostInUrl(hostname);
  return `http://${host}${httpPort === 80 ? '' : `:${httpPort}`}${CA_DOWNLOAD_PATH}`;
}

export async function writeReport(fs: ApplianceFs, inputs: ReportInputs): Promise<ReportData> {
  const data = await collectReport(fs, inputs);
  await fs.write(PATHS.report, renderReport(data), 0o600);
  await fs.write(
    PATHS.loginBanner,
    renderLoginBanner({ url: data.endpoint?.url, modelId: data.endpoint?.modelId, reportPath: PATHS.report, statusPath: PATHS.status }),
    0o644,
  );
  return data;
}
