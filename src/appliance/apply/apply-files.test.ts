import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CommandError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/logger.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import type { ServiceManager } from '../services/service-manager.ts';
import { applyFiles } from './apply-files.ts';

function services(edgeConfigOk: boolean, calls: string[]): ServiceManager {
  return {
    checkEdgeConfig: async () => {
      calls.push('nginx -t');
      if (!edgeConfigOk) throw new CommandError(['nginx', '-t'], 1, 'nginx: [emerg] bad');
    },
    reloadUnits: async () => void calls.push('reload-units'),
    isRunning: async () => true,
    restart: async (name) => void calls.push(`restart ${name}`),
    reload: async (name) => void calls.push(`reload ${name}`),
    mainPid: async () => 1,
    enable: async () => {},
    stopAndDisable: async (name) => void calls.push(`stop ${name}`),
    setScaleOutTimer: async (on) => void calls.push(`scale-out timer ${on ? 'on' : 'off'}`),
  };
}

describe('applyFiles', () => {
  it('reloads nginx only for edge changes and restarts the engine only for its own files', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'slm-apply-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const fs = new ApplianceFs(root);
    const calls: string[] = [];
    const edge = { path: '/etc/nginx/site.conf', content: 'a\n', mode: 0o644, role: 'edge' as const };
    const engine = { path: '/etc/slm/engine.env', content: 'x\n', mode: 0o644, role: 'engine' as const };
    await applyFiles(fs, [edge, engine], services(true, calls), { certificateChanged: false, logger: silentLogger });
    calls.length = 0;
    const result = await applyFiles(fs, [{ ...edge, content: 'b\n' }, engine], services(true, calls), {
      certificateChanged: false,
      logger: silentLogger,
    });
    assert.deepEqual(result, { changedFiles: ['/etc/nginx/site.conf'], engineRestarted: false, nginxReloaded: true });
    assert.deepEqual(calls, ['nginx -t', 'reload nginx']);
  });

  it('rolls every changed file back, content and mode, when nginx rejects the new configuration', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'slm-apply-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const fs = new ApplianceFs(root);
    mkdirSync(join(root, 'etc/nginx'), { recursive: true });
    writeFileSync(join(root, 'etc/nginx/site.conf'), 'old\n', { mode: 0o640 });
    writeFileSync(join(root, 'etc/nginx/keys.conf'), 'same\n', { mode: 0o644 });
    const calls: string[] = [];
    const files = [
      { path: '/etc/nginx/site.conf', content: 'new\n', mode: 0o644, role: 'edge' as const },
      { path: '/etc/nginx/keys.conf', content: 'same\n', mode: 0o600, role: 'edge' as const },
      { path: '/etc/nginx/added.conf', content: 'added\n', mode: 0o644, role: 'edge' as const },
    ];
    await assert.rejects(
      applyFiles(fs, files, services(false, calls), { certificateChanged: false, logger: silentLogger }),
      (e: unknown) => e instanceof CommandError && e.command.join(' ') === 'nginx -t' && e.message.includes('nginx: [emerg] bad'),
    );
    assert.equal(readFileSync(join(root, 'etc/nginx/site.conf'), 'utf8'), 'old\n');
    assert.equal(statSync(join(root, 'etc/nginx/site.conf')).mode & 0o777, 0o640);
    assert.equal(statSync(join(root, 'etc/nginx/keys.conf')).mode & 0o777, 0o644, 'a mode-only change is rolled back too');
    assert.equal(existsSync(join(root, 'etc/nginx/added.conf')), false);
    assert.deepEqual(calls, ['nginx -t'], 'nothing restarted or reloaded');
  });
});
