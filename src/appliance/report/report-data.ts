/** What the report (/etc/one-appliance/config), the login banner and `slm-copilot up` print. */
import type { ConfigIssue } from '../../lib/errors.ts';
import type { ApplianceRole } from '../context/appliance-role.ts';
import type { AliasNotice } from '../context/context-aliases.ts';
import type { EdgeView } from '../scale-out/engine-discovery.ts';
import type { EnginePublication } from '../scale-out/engine-publication.ts';
import type { TlsMode } from '../tls/tls-mode.ts';
import type { SelfTestResult } from '../verify/self-test.ts';
import type { CpuCheck } from './cpu-check.ts';
import type { PrefixCacheReport } from './prefix-cache-figures.ts';

export interface EndpointInfo {
  url: string;
  hostname: string;
  apiKey: string;
  modelId: string;
  contextSize: number;
  tlsMode: TlsMode;
  /** What actually serves: letsencrypt may have fallen back to self-signed. */
  certificateKind: TlsMode;
  fingerprintSha256: string;
  /** Path of the CA file clients must trust (self-signed mode); undefined when publicly trusted. */
  caFile: string | undefined;
  /** PEM text of that file, so client configs can carry it inline. */
  caPem: string | undefined;
  /** SHA-256 fingerprint of the appliance CA (self-signed mode). */
  caFingerprintSha256: string | undefined;
  /** Plain-HTTP URL of the appliance CA: fetched before anything is trusted, then checked by fingerprint. */
  caUrl: string | undefined;
  /** Where to fetch the CA from, for an operator on another machine (e.g. `root@10.0.0.5:/path`). */
  caSource: string | undefined;
  tlsNote: string | undefined;
  /** Why the context window is short for an agent, when it is. */
  contextNote?: string | undefined;
}

export interface ReportData {
  /** The status-file line, e.g. `bootstrap_success`. */
  status: string;
  issues: readonly ConfigIssue[];
  endpoint: EndpointInfo | undefined;
  selfTest: SelfTestResult | undefined;
  cpu: CpuCheck;
  generatedAt: Date;
  /** Former variable names in use and the name to use instead. */
  renamed: readonly AliasNotice[];
  /** The disk prefix cache as the engine reported it when the report was written; absent without an endpoint. */
  prefixCache?: PrefixCacheReport | undefined;
  /** OneFlow service VMs only (edge or engine role). */
  scaleOut?: ScaleOutReport | undefined;
}

export interface ScaleOutReport {
  role: Exclude<ApplianceRole, 'standalone'>;
  /** Edge: its view of the engines. */
  view?: EdgeView | undefined;
  /** Engine: host:port it listens on, and its last OneGate publication. */
  listen?: string | undefined;
  publication?: EnginePublication | undefined;
}
