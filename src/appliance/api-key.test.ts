import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decideApiKey, generateApiKey, persistApiKey, readPersistedApiKey } from './api-key.ts';
import { ApplianceFs } from './appliance-fs.ts';
import { PATHS } from './layout.ts';

describe('API key', () => {
  it('generates sk- + 48 letters/digits, different every time', () => {
    const a = generateApiKey();
    assert.match(a, /^sk-[A-Za-z0-9]{48}$/);
    assert.notEqual(a, generateApiKey());
  });

  it('generates once, then keeps; a configured key wins and rotates', () => {
    const first = decideApiKey(undefined, undefined);
    assert.equal(first.source, 'generated');
    assert.equal(first.changed, true);
    assert.deepEqual(decideApiKey(undefined, first.key), { key: first.key, source: 'kept', changed: false });
    const configured = 'sk-operatorChosenKey0123456789';
    assert.deepEqual(decideApiKey(configured, first.key), { key: configured, source: 'configured', changed: true });
    assert.deepEqual(decideApiKey(configured, configured), { key: configured, source: 'configured', changed: false });
  });

  it('persists 0600 under the root and reads it back', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'slm-key-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const fs = new ApplianceFs(root);
    assert.equal(await readPersistedApiKey(fs), undefined);
    const key = generateApiKey();
    const old = process.umask(0o000);
    try {
      await persistApiKey(fs, key);
    } finally {
      process.umask(old);
    }
    assert.equal(statSync(fs.real(PATHS.apiKey)).mode & 0o777, 0o600);
    assert.equal(await readPersistedApiKey(fs), key);
  });
});
