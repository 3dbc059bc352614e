/**
 * `install` (image build time, idempotent): the engine's system user, directories, the hardened unit,
 * the one-apps service entry and the one-context hooks. Services are enabled by configure, once a
 * configuration exists.
 */
import type { Logger } from '../../lib/logger.ts';
import { ENGINE_USER, PATHS } from '../layout.ts';
import { engineUnitText } from '../plan/desired-files.ts';
import { renderNet90Hook, renderNet99Hook, renderServiceEntry } from '../render/service-hooks.ts';
import { applianceVersion, renderServiceMetadata } from '../render/service-metadata.ts';
import type { ApplianceEnv } from './appliance-env.ts';
import { runStage, type StageOutcome } from './run-stage.ts';

export async function runInstall(env: Pick<ApplianceEnv, 'fs' | 'runner' | 'profile' | 'services' | 'echo'>): Promise<StageOutcome> {
  return runStage(env, { stage: 'install', report: false, work: (logger) => install(env, logger) });
}

async function install(env: Pick<ApplianceEnv, 'fs' | 'runner' | 'profile' | 'services'>, logger: Logger): Promise<object> {
  const { fs, runner } = env;
  const system = env.profile.mode === 'system';
  if (system) {
    const known = await runner.run('getent', ['passwd', ENGINE_USER], { check: false });
    if (known.exitCode !== 0) {
      await runner.run('useradd', [
        '--system',
        '--user-group',
        '--home-dir',
        '/nonexistent',
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        ENGINE_USER,
      ]);
      logger.info('created system user', { user: ENGINE_USER });
    }
  }
  for (const dir of [PATHS.configDir, PATHS.stateDir, PATHS.modelsDir, PATHS.acmeWebroot, PATHS.logDir, '/etc/nginx/slm-copilot']) {
    await fs.mkdir(dir, 0o755);
  }
  if (system) {
    await fs.mkdir(PATHS.contextHooksDir, 0o755);
    await fs.mkdir(PATHS.applianceDir, 0o755);
    await fs.write(PATHS.serviceMetadata, renderServiceMetadata(applianceVersion()), 0o644);
    await fs.write(PATHS.serviceEntry, renderServiceEntry(PATHS.cli, PATHS.serviceLock), 0o755);
    await fs.write(`${PATHS.contextHooksDir}/net-90-service-appliance`, renderNet90Hook(PATHS.serviceEntry), 0o755);
    await fs.write(`${PATHS.contextHooksDir}/net-99-report-ready`, renderNet99Hook(PATHS.status, PATHS.oneEnv), 0o755);
    if (await fs.write(PATHS.engineUnit, engineUnitText(), 0o644)) await env.services.reloadUnits();
    // Debian's default site would take port 80 (default_server) from the ACME webroot.
    await fs.remove(PATHS.nginxDefaultSiteEnabled);
  }
  return {};
}
