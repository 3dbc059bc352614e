import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import { PATHS, SYSTEM_PROFILE } from '../layout.ts';
import { createSystemdServiceManager } from '../services/systemd-service-manager.ts';
import { runInstall } from './install-stage.ts';

/** Records commands; `getent` finds the user only after `useradd` ran. */
function recordingRunner(): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  let userExists = false;
  return {
    calls,
    async run(command, args) {
      calls.push([command, ...args].join(' '));
      if (command === 'getent') return { exitCode: userExists ? 0 : 2, stdout: '', stderr: '' };
      if (command === 'useradd') userExists = true;
      if (command === 'systemctl' && args[0] === 'show') return { exitCode: 0, stdout: '1234\n', stderr: '' };
      return { exitCode: 0, stdout: '', stderr: '' };
    },
  };
}

describe('install stage (system layout in a root)', () => {
  it('creates the user once, directories, unit, service entry and hooks; idempotent', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'slm-install-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'etc/nginx/sites-enabled'), { recursive: true });
    writeFileSync(join(root, 'etc/nginx/sites-enabled/default'), 'server {}');
    const fs = new ApplianceFs(root);
    const runner = recordingRunner();
    const services = createSystemdServiceManager(runner, { systemdRunning: () => true });
    const env = { fs, runner, profile: SYSTEM_PROFILE, services, echo: undefined };
    const old = process.umask(0o077);
    t.after(() => process.umask(old));

    assert.deepEqual(await runInstall(env), { ok: true, issues: [] });
    assert.ok(
      runner.calls.includes('useradd --system --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin slm-copilot'),
    );
    assert.ok(runner.calls.includes('systemctl daemon-reload'));
    assert.equal(readFileSync(fs.real(PATHS.status), 'utf8'), 'install_success\n');
    for (const [p, mode] of [
      [PATHS.serviceEntry, 0o755],
      [`${PATHS.contextHooksDir}/net-90-service-appliance`, 0o755],
      [`${PATHS.contextHooksDir}/net-99-report-ready`, 0o755],
      [PATHS.engineUnit, 0o644],
      [PATHS.configDir, 0o755],
      [PATHS.stateDir, 0o755],
      [PATHS.modelsDir, 0o755],
    ] as const)
      assert.equal(statSync(fs.real(p)).mode & 0o777, mode, p);
    assert.match(
      readFileSync(fs.real(`${PATHS.contextHooksDir}/net-90-service-appliance`), 'utf8'),
      /service configure && \/etc\/one-appliance\/service bootstrap/,
    );
    assert.match(readFileSync(fs.real(`${PATHS.contextHooksDir}/net-99-report-ready`), 'utf8'), /bootstrap_success/);
    assert.match(readFileSync(fs.real(PATHS.serviceEntry), 'utf8'), /exec flock -w 3600 \/run\/lock\/one-appliance\.lock /);
    const metadata = parse(readFileSync(fs.real(PATHS.serviceMetadata), 'utf8')) as {
      name: string;
      version: string;
      params: { name: string }[];
    };
    assert.equal(metadata.name, 'SLM-Copilot');
    assert.match(metadata.version, /^\d+\.\d+\.\d+/);
    assert.ok(metadata.params.some((p) => p.name === 'ONEAPP_COPILOT_API_KEY'));
    assert.equal(statSync(fs.real(PATHS.serviceMetadata)).mode & 0o777, 0o644);
    assert.equal(existsSync(join(root, 'etc/nginx/sites-enabled/default')), false, "Debian's default site would take port 80");

    runner.calls.length = 0;
    assert.deepEqual(await runInstall(env), { ok: true, issues: [] });
    assert.deepEqual(runner.calls, ['getent passwd slm-copilot'], 'second run changes nothing');
  });
});

describe('systemd service manager', () => {
  it('maps operations to systemctl and nginx -t', async () => {
    const runner = recordingRunner();
    const services = createSystemdServiceManager(runner);
    await services.checkEdgeConfig();
    await services.restart('engine');
    await services.reload('nginx');
    await services.enable('engine');
    assert.equal(await services.mainPid('engine'), 1234);
    assert.deepEqual(runner.calls, [
      'nginx -t -q',
      'systemctl restart slm-copilot.service',
      'systemctl is-active --quiet nginx.service',
      'systemctl reload nginx.service',
      'systemctl enable slm-copilot.service',
      'systemctl show -p MainPID --value slm-copilot.service',
    ]);
  });

  it('reloads units only where systemd runs (an image-build chroot has none)', async () => {
    const booted = recordingRunner();
    await createSystemdServiceManager(booted, { systemdRunning: () => true }).reloadUnits();
    assert.deepEqual(booted.calls, ['systemctl daemon-reload']);
    const chroot = recordingRunner();
    await createSystemdServiceManager(chroot, { systemdRunning: () => false }).reloadUnits();
    assert.deepEqual(chroot.calls, []);
  });
});
