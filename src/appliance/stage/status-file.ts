/**
 * /etc/one-appliance/status: one line `{install|configure|bootstrap}_{started|success|failure}`, the
 * one-apps convention that net-99 (READY) and operators read.
 */
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';

export type Stage = 'install' | 'configure' | 'bootstrap';
export type StageState = 'started' | 'success' | 'failure';

export async function readStatus(fs: ApplianceFs): Promise<string> {
  return ((await fs.readText(PATHS.status)) ?? '').trim();
}

export async function writeStatus(fs: ApplianceFs, stage: Stage, state: StageState): Promise<void> {
  await fs.write(PATHS.status, `${stage}_${state}\n`, 0o644);
}

/** Whether `stage` may run now; this appliance is always reconfigurable. Returns the reason when not. */
export function stageAllowed(stage: Stage, status: string): string | undefined {
  if (stage === 'install') return undefined;
  if (status === '' || (status.startsWith('install_') && status !== 'install_success')) {
    return `the appliance is not installed (status "${status || 'empty'}"): run "slm-copilot install" first`;
  }
  if (stage === 'bootstrap' && !['configure_success', 'bootstrap_started', 'bootstrap_success', 'bootstrap_failure'].includes(status)) {
    return `bootstrap needs a successful configure (status "${status}")`;
  }
  return undefined;
}
