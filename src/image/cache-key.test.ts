import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { imageCacheKey } from './cache-key.ts';

test('cache key follows product sources and inputs, not tests or the host-side VM harness', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cachekey-'));
  try {
    const put = (p: string, c: string) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), c);
    };
    put('package-lock.json', '{}');
    put('bin/slm-copilot', '#!/bin/sh');
    put('src/engine/a.ts', 'a');
    put('src/engine/a.test.ts', 't');
    put('src/image/vm/acceptance.ts', 'v');
    const k0 = await imageCacheKey(root, { kind: 'test' });
    assert.equal(await imageCacheKey(root, { kind: 'test' }), k0);
    put('src/engine/a.test.ts', 't2');
    put('src/image/vm/acceptance.ts', 'v2');
    assert.equal(await imageCacheKey(root, { kind: 'test' }), k0);
    assert.notEqual(await imageCacheKey(root, { kind: 'release' }), k0);
    put('src/engine/a.ts', 'a2');
    assert.notEqual(await imageCacheKey(root, { kind: 'test' }), k0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
