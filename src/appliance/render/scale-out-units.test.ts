import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { PATHS } from '../layout.ts';
import { renderScaleOutService, renderScaleOutTimer } from './scale-out-units.ts';

it('the scale-out timer and its oneshot pass systemd-analyze verify (apart from the binary missing here)', (t) => {
  const probe = spawnSync('systemd-analyze', ['--version']);
  if (probe.status !== 0) return t.skip('systemd-analyze not available');
  const dir = mkdtempSync(join(tmpdir(), 'slm-scale-out-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const service = renderScaleOutService(PATHS.cli, PATHS.serviceLock);
  assert.match(service, /^Type=oneshot$/m);
  assert.match(renderScaleOutTimer(), /^OnUnitActiveSec=15s$/m);
  writeFileSync(join(dir, 'slm-copilot-scale-out.service'), service);
  writeFileSync(join(dir, 'slm-copilot-scale-out.timer'), renderScaleOutTimer());
  const r = spawnSync('systemd-analyze', ['verify', join(dir, 'slm-copilot-scale-out.timer'), join(dir, 'slm-copilot-scale-out.service')], {
    encoding: 'utf8',
  });
  const problems = (r.stderr + r.stdout)
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.includes('is not executable') && !l.includes('slm-copilot.service'));
  assert.deepEqual(problems, []);
});
