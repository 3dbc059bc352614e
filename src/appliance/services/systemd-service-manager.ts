/** ServiceManager on the appliance VM: systemctl and Debian's nginx, through the command runner. */
import { existsSync } from 'node:fs';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { ENGINE_UNIT_NAME, SCALE_OUT_TIMER_NAME } from '../layout.ts';
import type { ServiceManager, ServiceName } from './service-manager.ts';

const UNITS: Record<ServiceName, string> = { engine: ENGINE_UNIT_NAME, nginx: 'nginx.service' };

export interface SystemdServiceManagerOptions {
  /**
   * Whether systemd is PID 1 here (sd_booted: /run/systemd/system exists). In an image-build chroot it is
   * not: `daemon-reload` would fail there, while `enable` works offline and units are read at first boot.
   */
  systemdRunning?: () => boolean;
}

export function createSystemdServiceManager(runner: CommandRunner, options: SystemdServiceManagerOptions = {}): ServiceManager {
  const systemdRunning = options.systemdRunning ?? (() => existsSync('/run/systemd/system'));
  const systemctl = (...args: string[]) => runner.run('systemctl', args);
  const manager: ServiceManager = {
    async checkEdgeConfig() {
      await runner.run('nginx', ['-t', '-q']);
    },
    async reloadUnits() {
      if (systemdRunning()) await systemctl('daemon-reload');
    },
    async isRunning(name) {
      const r = await runner.run('systemctl', ['is-active', '--quiet', UNITS[name]], { check: false });
      return r.exitCode === 0;
    },
    async restart(name) {
      await systemctl('restart', UNITS[name]);
    },
    async reload(name) {
      if (await manager.isRunning(name)) await systemctl('reload', UNITS[name]);
      else await systemctl('start', UNITS[name]);
    },
    async mainPid(name) {
      const r = await runner.run('systemctl', ['show', '-p', 'MainPID', '--value', UNITS[name]], { check: false });
      const pid = Number(r.stdout.trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
    async enable(name) {
      await systemctl('enable', UNITS[name]);
    },
    async stopAndDisable(name) {
      // `disable --now` in an image-build chroot cannot stop anything; disabling still works offline.
      await systemctl('disable', ...(systemdRunning() ? ['--now'] : []), UNITS[name]);
    },
    async setScaleOutTimer(on) {
      const now = systemdRunning() ? ['--now'] : [];
      await systemctl(on ? 'enable' : 'disable', ...now, SCALE_OUT_TIMER_NAME);
    },
  };
  return manager;
}
