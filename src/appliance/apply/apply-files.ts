/**
 * Applies rendered files: atomic writes with explicit modes, unchanged files untouched, `nginx -t`
 * before anything is reloaded (rolling every file back if it fails), then restart the engine only when
 * its own files changed and reload nginx only when edge files or the certificate changed.
 */
import type { Logger } from '../../lib/logger.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import type { DesiredFile, FileRole } from '../plan/desired-files.ts';
import type { ServiceManager } from '../services/service-manager.ts';

export interface ApplyOptions {
  /** Which services this VM's role runs (standalone: both); the others are stopped. */
  runs?: { engine: boolean; edge: boolean };
  /** The certificate files changed (new cert or key): nginx must reload. */
  certificateChanged: boolean;
  logger: Logger;
}

export interface ApplyResult {
  changedFiles: string[];
  engineRestarted: boolean;
  nginxReloaded: boolean;
}

export async function applyFiles(
  fs: ApplianceFs,
  files: readonly DesiredFile[],
  services: ServiceManager,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const previous = new Map<string, { content: string | undefined; mode: number }>();
  const changedRoles = new Set<FileRole>();
  for (const file of files) {
    const before = await fs.readText(file.path);
    const beforeMode = await fs.mode(file.path);
    if (await fs.write(file.path, file.content, file.mode)) {
      // A rollback restores the old mode too: a change of mode alone is a change.
      previous.set(file.path, { content: before, mode: beforeMode ?? file.mode });
      changedRoles.add(file.role);
    }
  }
  const changedFiles = [...previous.keys()];
  if (changedFiles.length > 0) options.logger.info('configuration files changed', { files: changedFiles });

  const runs = options.runs ?? { engine: true, edge: true };
  const edgeChanged = changedRoles.has('edge') || options.certificateChanged;
  const nginxRunning = await services.isRunning('nginx');
  if (runs.edge && (edgeChanged || !nginxRunning)) {
    try {
      await services.checkEdgeConfig();
    } catch (error) {
      options.logger.error('nginx rejected the new configuration; restoring the previous files', { error: (error as Error).message });
      for (const [path, { content, mode }] of previous) {
        if (content === undefined) await fs.remove(path);
        else await fs.write(path, content, mode);
      }
      throw error;
    }
  }
  if (changedRoles.has('engine-unit')) await services.reloadUnits();

  let engineRestarted = false;
  if (!runs.engine) {
    if (await services.isRunning('engine')) options.logger.info('stopping the engine: this role loads no model');
    await services.stopAndDisable('engine');
  } else if (changedRoles.has('engine') || changedRoles.has('engine-unit') || !(await services.isRunning('engine'))) {
    options.logger.info('starting the engine', { reason: changedRoles.has('engine') ? 'engine settings changed' : 'not running' });
    await services.restart('engine');
    engineRestarted = true;
  }
  let nginxReloaded = false;
  if (!runs.edge) {
    if (nginxRunning) options.logger.info('stopping nginx: an engine VM has no public edge');
    await services.stopAndDisable('nginx');
  } else if (!nginxRunning) {
    options.logger.info('starting nginx');
    await services.restart('nginx');
    nginxReloaded = true;
  } else if (edgeChanged) {
    options.logger.info('reloading nginx');
    await services.reload('nginx');
    nginxReloaded = true;
  }
  return { changedFiles, engineRestarted, nginxReloaded };
}
