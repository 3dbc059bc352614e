import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { engineUnitText } from '../plan/desired-files.ts';
import { expandServeArgs, parseEngineSettings, renderEngineSettings } from './engine-settings.ts';

const engine = { host: '127.0.0.1', port: 8081, threads: 3, contextSize: 16384, parallel: 1, queue: 16, requestTimeoutSeconds: 300 };

describe('engine unit and settings', () => {
  const unit = engineUnitText();

  it('is hardened', () => {
    for (const line of [
      'User=slm-copilot',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ProtectHome=yes',
      'PrivateTmp=yes',
      'ReadOnlyPaths=/models /etc/slm-copilot',
      'CapabilityBoundingSet=',
      'LoadCredential=engine-key:/var/lib/slm-copilot/engine-key',
    ])
      assert.ok(unit.split('\n').includes(line), line);
  });

  it('passes the key as a file, never on the command line', () => {
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    assert.match(exec, /--api-key-file %d\/engine-key/);
    assert.doesNotMatch(exec, /sk-/);
  });

  it('expands to the serve argv exactly as systemd would', () => {
    const settings = renderEngineSettings({ engine, modelConfigPath: '/etc/slm-copilot/model.yaml' });
    const args = expandServeArgs(parseEngineSettings(settings), '/run/credentials/slm-copilot.service');
    assert.deepEqual(args, [
      'serve',
      '--config',
      '/etc/slm-copilot/model.yaml',
      '--host',
      '127.0.0.1',
      '--port',
      '8081',
      '--api-key-file',
      '/run/credentials/slm-copilot.service/engine-key',
      '--threads',
      '3',
      '--context-size',
      '16384',
      '--parallel',
      '1',
      '--queue',
      '16',
      '--request-timeout',
      '300',
    ]);
  });

  it('passes systemd-analyze verify (apart from the binary missing on a build machine)', (t) => {
    const probe = spawnSync('systemd-analyze', ['--version']);
    if (probe.status !== 0) return t.skip('systemd-analyze not available');
    const dir = mkdtempSync(join(tmpdir(), 'slm-unit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'slm-copilot.service'), unit);
    const r = spawnSync('systemd-analyze', ['verify', join(dir, 'slm-copilot.service')], { encoding: 'utf8' });
    const problems = (r.stderr + r.stdout).split('\n').filter((l) => l.trim() !== '' && !l.includes('is not executable'));
    assert.deepEqual(problems, []);
  });
});
