/**
 * Every configuration file configure owns, rendered from the plan: content, explicit mode and which
 * service it belongs to (so apply restarts the engine only for engine files and reloads nginx only for
 * edge files). Pure: paths are mapped through ApplianceFs.real, nothing is read or written.
 */
import { renderModelDefinition } from '../../lib/model-definition.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { ENGINE_USER, PATHS } from '../layout.ts';
import { renderEngineSettings } from '../render/engine-settings.ts';
import { renderEngineUnit } from '../render/engine-unit.ts';
import { renderNginxKeyConf } from '../render/nginx-key-conf.ts';
import { renderNginxMainConf } from '../render/nginx-main-conf.ts';
import { renderNginxSite } from '../render/nginx-site.ts';
import { engineModelDefinition } from './model-selection.ts';
import type { AppliancePlan } from './plan.ts';

export type FileRole = 'engine' | 'engine-unit' | 'edge';

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

export function desiredFiles(plan: AppliancePlan, apiKey: string, cert: ServedCertificate, fs: ApplianceFs): DesiredFile[] {
  const sandbox = plan.profile.mode === 'sandbox';
  const model = engineModelDefinition(plan.model, (logical) => fs.real(logical), plan.engine.contextSize, plan.engine.threads);
  const files: DesiredFile[] = [
    { path: PATHS.apiKey, content: `${apiKey}\n`, mode: 0o600, role: 'engine' },
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
  if (sandbox) {
    files.push({
      path: PATHS.nginxSandboxMain,
      content: renderNginxMainConf({
        pidFile: fs.real(PATHS.nginxPid),
        errorLog: fs.real(PATHS.nginxErrorLog),
        tempDir: fs.real(PATHS.nginxTempDir),
        siteFile: fs.real(PATHS.nginxSite),
        runAsRoot: process.getuid?.() === 0,
      }),
      mode: 0o644,
      role: 'edge',
    });
  } else {
    files.push({ path: PATHS.engineUnit, content: engineUnitText(), mode: 0o644, role: 'engine-unit' });
  }
  return files;
}

export function engineUnitText(): string {
  return renderEngineUnit({
    cliPath: PATHS.cli,
    user: ENGINE_USER,
    settingsFile: PATHS.engineEnv,
    apiKeyFile: PATHS.apiKey,
    modelsDir: PATHS.modelsDir,
    configDir: PATHS.configDir,
  });
}
