/**
 * The appliance's file layout (logical paths, see ApplianceFs) and the network profile: the real VM uses
 * 80/443 and systemd; the sandbox (`slm-copilot up`, tests) uses high ports and child processes.
 */
import { DEFAULT_ACME_WEBROOT, DEFAULT_SELF_SIGNED_DIR } from './tls/paths.ts';

export const PATHS = {
  cli: '/opt/slm-copilot/bin/slm-copilot',
  configDir: '/etc/slm-copilot',
  engineEnv: '/etc/slm-copilot/engine.env',
  modelConfig: '/etc/slm-copilot/model.yaml',
  stateDir: '/var/lib/slm-copilot',
  apiKey: '/var/lib/slm-copilot/api-key',
  /** What the engine accepts: the API key (standalone) or the internal credential (scale-out engine). */
  engineKey: '/var/lib/slm-copilot/engine-key',
  /** Scale-out edge: its view of the engines (kept between discovery passes) and the same as Prometheus text. */
  edgeView: '/var/lib/slm-copilot/edge-view.json',
  edgeMetrics: '/var/lib/slm-copilot/edge-metrics.prom',
  /** Scale-out engine: what it last published through OneGate (for the report). */
  enginePublication: '/var/lib/slm-copilot/engine-publication.json',
  state: '/var/lib/slm-copilot/state.json',
  /** Disk tier of the engine's prompt-prefix cache: warm prefixes survive reboots and upgrades. */
  prefixCacheDir: '/var/lib/slm-copilot/prefix-cache',
  tlsDir: DEFAULT_SELF_SIGNED_DIR,
  acmeWebroot: DEFAULT_ACME_WEBROOT,
  modelsDir: '/models',
  engineUnit: '/etc/systemd/system/slm-copilot.service',
  nginxSite: '/etc/nginx/sites-available/slm-copilot.conf',
  nginxSiteEnabled: '/etc/nginx/sites-enabled/slm-copilot.conf',
  nginxDefaultSiteEnabled: '/etc/nginx/sites-enabled/default',
  nginxKeyConf: '/etc/nginx/slm-copilot/api-key.conf',
  /** Scale-out edge: the njs route key, the engines' upstream (owned by discovery), the internal credential. */
  nginxRouteScript: '/etc/nginx/slm-copilot/route.js',
  nginxEngineUpstream: '/etc/nginx/slm-copilot/engines-upstream.conf',
  nginxEngineCredential: '/etc/nginx/slm-copilot/engine-credential.conf',
  /** The scale-out duty of edge and engine VMs (discovery / publishing), run by a timer. */
  scaleOutUnit: '/etc/systemd/system/slm-copilot-scale-out.service',
  scaleOutTimer: '/etc/systemd/system/slm-copilot-scale-out.timer',
  nginxSandboxMain: '/etc/nginx/nginx.conf',
  nginxAccessLog: '/var/log/nginx/slm-copilot.access.log',
  nginxErrorLog: '/var/log/nginx/error.log',
  nginxPid: '/run/nginx.pid',
  nginxTempDir: '/var/lib/nginx',
  applianceDir: '/etc/one-appliance',
  serviceEntry: '/etc/one-appliance/service',
  /** flock'ed by the service entry around every stage. */
  serviceLock: '/run/lock/one-appliance.lock',
  /** one-apps' service metadata (name, version, build), written by install. */
  serviceMetadata: '/etc/one-appliance/metadata',
  /** The one-apps stage banner ("PLEASE WAIT", "All set and ready to serve 8)", "APPLIANCE ERROR"). */
  motd: '/etc/motd',
  status: '/etc/one-appliance/status',
  report: '/etc/one-appliance/config',
  logDir: '/var/log/one-appliance',
  /** `slm-copilot up` only: stdout/stderr of the engine and nginx child processes. */
  sandboxLogDir: '/var/log/slm-copilot',
  loginBanner: '/etc/profile.d/slm-copilot.sh',
  contextHooksDir: '/etc/one-context.d',
  oneEnv: '/run/one-context/one_env',
} as const;

export const ENGINE_USER = 'slm-copilot';
export const ENGINE_UNIT_NAME = 'slm-copilot.service';
export const SCALE_OUT_TIMER_NAME = 'slm-copilot-scale-out.timer';
/** How often an edge re-reads OneGate and an engine republishes its load (OneFlow averages over 60 s periods). */
export const SCALE_OUT_INTERVAL_SECONDS = 15;

/**
 * Engine concurrency: one slot. On CPU, concurrent slots compete for the same cores: the earlier
 * LocalAI-based Devstral appliance went from ~11 to ~24 prompt tok/s and from ~5.6 to ~8.6 generated tok/s
 * on 16 vCPUs by moving llama-server to `--parallel 1`, and our benchmark's concurrency rows show each
 * stream slowing down when slots share decode steps. Extra requests wait in the queue instead.
 */
export const ENGINE_PARALLEL = 1;
export const ENGINE_QUEUE = 16;

export interface NetworkProfile {
  /** system: systemd + Debian nginx; sandbox: child processes under a root prefix. */
  mode: 'system' | 'sandbox';
  httpsPort: number;
  httpPort: number;
  enginePort: number;
  /** Address nginx listens on; undefined = all addresses. */
  listenAddress: string | undefined;
}

export const SYSTEM_PROFILE: NetworkProfile = {
  mode: 'system',
  httpsPort: 443,
  httpPort: 80,
  enginePort: 8081,
  listenAddress: undefined,
};
