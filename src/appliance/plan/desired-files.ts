/**
 * Every configuration file configure owns, rendered from the plan: content, explicit mode and which
 * service it belongs to (so apply restarts the engine only for engine files and reloads nginx only for
 * edge files). Pure: paths are mapped through ApplianceFs.real, nothing is read or written.
 */
import { renderModelDefinition } from '../../lib/model-definition.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { roleDuties } from '../context/appliance-role.ts';
import { ENGINE_USER, PATHS } from '../layout.ts';
import { renderEngineSettings } from '../render/engine-settings.ts';
import { renderEngineUnit } from '../render/engine-unit.ts';
import { renderNginxKeyConf } from '../render/nginx-key-conf.ts';
import { renderNginxMainConf } from '../render/nginx-main-conf.ts';
import { renderNginxSite } from '../render/nginx-site.ts';
import { renderScaleOutService, renderScaleOutTimer } from '../render/scale-out-units.ts';
import { NJS_MODULE, renderInternalCredentialConf, renderRouteKeyScript } from '../scale-out/edge-routing.ts';
import { engineModelDefinition } from './model-selection.ts';
import type { AppliancePlan } from './plan.ts';

/** What a change of the file restarts: the engine, the units (daemon-reload), nginx, or nothing (state). */
export type FileRole = 'engine' | 'engine-unit' | 'edge' | 'state';

export interface DesiredFile {
  /** Logical path. */
  path: string;
  content: string;
  mode: number;
  role: FileRole;
}

export interface ServedCertificate {
  /** Real paths. */
  certPath: string;
  keyPath: string;
  /** The appliance CA, offered for download in every TLS mode (it backs the self-signed fallback). */
  applianceCa: { certPath: string };
}

/** Scale-out inputs (edge and engine roles). */
export interface ScaleOutFiles {
  /** The edge↔engine credential (internal-credential.ts). */
  internalCredential: string;
  /** The edge's current upstream file (discovery owns it; configure writes the empty one only when missing). */
  upstream: string;
}

export function desiredFiles(
  plan: AppliancePlan,
  apiKey: string,
  cert: ServedCertificate,
  fs: ApplianceFs,
  scaleOut?: ScaleOutFiles,
): DesiredFile[] {
  const sandbox = plan.profile.mode === 'sandbox';
  const duties = roleDuties(plan.role);
  if (plan.role !== 'standalone' && scaleOut === undefined) throw new Error(`role ${plan.role} needs the scale-out inputs`);
  const model = engineModelDefinition(plan.model, (logical) => fs.real(logical), plan.engine.contextSize, plan.engine.threads);
  const engineKey = duties.internalCredentialOnly ? (scaleOut?.internalCredential ?? '') : apiKey;
  const files: DesiredFile[] = [
    { path: PATHS.apiKey, content: `${apiKey}\n`, mode: 0o600, role: 'state' },
    // Never the public key on an engine VM: only the credential the edge presents opens it.
    { path: PATHS.engineKey, content: `${engineKey}\n`, mode: 0o600, role: 'engine' },
    {
      path: PATHS.modelConfig,
      content: renderModelDefinition(
        model,
        PATHS.modelConfig,
        'SLM-Copilot model configuration. Written by `slm-copilot configure` from /models.',
      ),
      mode: 0o644,
      role: 'engine',
    },
    {
      path: PATHS.engineEnv,
      content: renderEngineSettings({ engine: plan.engine, modelConfigPath: fs.real(PATHS.modelConfig) }),
      mode: 0o644,
      role: 'engine',
    },
    { path: PATHS.nginxKeyConf, content: renderNginxKeyConf(apiKey), mode: 0o600, role: 'edge' },
    {
      path: PATHS.nginxSite,
      content: renderNginxSite({
        edge: plan.edge,
        engine: plan.engine,
        ...(duties.discoversEngines
          ? {
              scaleOut: {
                routing: {
                  routeScript: fs.real(PATHS.nginxRouteScript),
                  upstreamFile: fs.real(PATHS.nginxEngineUpstream),
                  credentialConf: fs.real(PATHS.nginxEngineCredential),
                },
                edgeMetricsFile: fs.real(PATHS.edgeMetrics),
              },
            }
          : {}),
        paths: {
          certificate: cert.certPath,
          certificateKey: cert.keyPath,
          caCertificate: cert.applianceCa.certPath,
          acmeWebroot: fs.real(PATHS.acmeWebroot),
          keyConf: fs.real(PATHS.nginxKeyConf),
          accessLog: fs.real(PATHS.nginxAccessLog),
        },
      }),
      mode: 0o644,
      role: 'edge',
    },
  ];
  if (duties.discoversEngines && scaleOut !== undefined) {
    files.push(
      { path: PATHS.nginxRouteScript, content: renderRouteKeyScript(), mode: 0o644, role: 'edge' },
      { path: PATHS.nginxEngineCredential, content: renderInternalCredentialConf(scaleOut.internalCredential), mode: 0o600, role: 'edge' },
      { path: PATHS.nginxEngineUpstream, content: scaleOut.upstream, mode: 0o644, role: 'edge' },
    );
  }
  if (sandbox && duties.runsEdge) {
    files.push({
      path: PATHS.nginxSandboxMain,
      content: renderNginxMainConf({
        pidFile: fs.real(PATHS.nginxPid),
        errorLog: fs.real(PATHS.nginxErrorLog),
        tempDir: fs.real(PATHS.nginxTempDir),
        siteFile: fs.real(PATHS.nginxSite),
        runAsRoot: process.getuid?.() === 0,
        // Debian loads njs through modules-enabled on the VM; the sandbox's own nginx.conf names it.
        ...(duties.discoversEngines ? { loadModules: [NJS_MODULE] } : {}),
      }),
      mode: 0o644,
      role: 'edge',
    });
  }
  if (!sandbox) {
    files.push(
      { path: PATHS.engineUnit, content: engineUnitText(), mode: 0o644, role: 'engine-unit' },
      { path: PATHS.scaleOutUnit, content: renderScaleOutService(PATHS.cli, PATHS.serviceLock), mode: 0o644, role: 'engine-unit' },
      { path: PATHS.scaleOutTimer, content: renderScaleOutTimer(), mode: 0o644, role: 'engine-unit' },
    );
  }
  const engineOnly = new Set<string>([PATHS.engineKey, PATHS.modelConfig, PATHS.engineEnv]);
  const edgeOnly = new Set<string>([PATHS.nginxKeyConf, PATHS.nginxSite]);
  return files.filter((f) => (duties.runsEngine || !engineOnly.has(f.path)) && (duties.runsEdge || !edgeOnly.has(f.path)));
}

export function engineUnitText(): string {
  return renderEngineUnit({
    cliPath: PATHS.cli,
    user: ENGINE_USER,
    settingsFile: PATHS.engineEnv,
    engineKeyFile: PATHS.engineKey,
    modelsDir: PATHS.modelsDir,
    configDir: PATHS.configDir,
  });
}
