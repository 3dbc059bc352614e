/** Builds the report from the persisted state, key and status, and writes it (0600) with the login banner. */
import type { ConfigIssue } from '../../lib/errors.ts';
import { readPersistedApiKey } from '../api-key.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import { renderLoginBanner } from '../render/login-banner.ts';
import { renderReport } from '../render/report.ts';
import { readState } from '../stage/appliance-state.ts';
import { readStatus } from '../stage/status-file.ts';
import type { SelfTestResult } from '../verify/self-test.ts';
import { checkCpu } from './cpu-check.ts';
import type { EndpointInfo, ReportData } from './report-data.ts';

export interface ReportInputs {
  issues: readonly ConfigIssue[];
  selfTest?: SelfTestResult | undefined;
  cpuinfo: string | undefined;
  now: Date;
  /** For `ca_download`: how an operator reaches this machine (`root@<ip>`); undefined in the sandbox. */
  sshTarget: string | undefined;
}

export async function collectReport(fs: ApplianceFs, inputs: ReportInputs): Promise<ReportData> {
  const state = await readState(fs);
  const key = await readPersistedApiKey(fs);
  let endpoint: EndpointInfo | undefined;
  if (state !== undefined && key !== undefined) {
    const selfSigned = state.certificateKind === 'self-signed';
    endpoint = {
      url: state.url,
      hostname: state.hostname,
      apiKey: key,
      modelId: state.modelId,
      contextSize: state.contextSize,
      tlsMode: state.tlsMode,
      certificateKind: state.certificateKind,
      fingerprintSha256: state.fingerprintSha256,
      caFile: selfSigned ? state.certPath : state.caBundle,
      caSource: selfSigned && inputs.sshTarget !== undefined ? `${inputs.sshTarget}:${state.certPath}` : undefined,
      tlsNote: state.tlsNote,
    };
  }
  return {
    status: await readStatus(fs),
    issues: inputs.issues,
    endpoint,
    selfTest: inputs.selfTest ?? state?.selfTest,
    cpu: checkCpu(inputs.cpuinfo),
    generatedAt: inputs.now,
  };
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
