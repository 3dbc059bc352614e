import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderResultTable } from './result-table.ts';

test('table lists every check with outcome, time and a one-line detail', () => {
  const text = renderResultTable(
    [
      { name: 'boot to ready', outcome: 'pass', seconds: 182.44, detail: 'ready after 182.4s (tcg)' },
      { name: 'engine restart', outcome: 'FAIL', seconds: 3, detail: 'MainPID\nstayed 0' },
      { name: 'reboot', outcome: 'not run', seconds: 0, detail: 'blocked: VM did not boot' },
    ],
    'VM acceptance',
  );
  const lines = text.trim().split('\n');
  assert.equal(lines[0], 'VM acceptance');
  assert.match(lines[3]!, /^boot to ready\s+pass\s+182\.4s\s+ready after/);
  assert.match(lines[4]!, /^engine restart\s+FAIL\s+3\.0s\s+MainPID stayed 0$/);
  assert.match(lines[5]!, /^reboot\s+not run\s+blocked/);
  assert.equal(lines.at(-1), '1/3 checks passed');
});
