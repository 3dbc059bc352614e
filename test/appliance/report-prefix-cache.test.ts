import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prefixCacheSection } from '../../src/appliance/render/report-prefix-cache.ts';
import { parsePrefixCacheMetrics, readPrefixCacheReport } from '../../src/appliance/report/prefix-cache-figures.ts';
import { ServerMetrics } from '../../src/engine/metrics/server-metrics.ts';
import { ReportSections } from '../support/report-sections.ts';

const NOW = new Date('2026-12-06T03:00:00Z');
const KEY = 'sk-test';

/** The engine's own /metrics text, from the class that serves it, so a renamed series breaks this test. */
function engineMetrics(prefixCache: Parameters<typeof stats>[0]): string {
  const m = new ServerMetrics({ ready: true, stats: () => stats(prefixCache) });
  m.promptTokens.inc({}, 1000);
  m.cachedTokens.inc({}, 750);
  return m.registry.render();
}

function stats(prefixCache: { entries: number; bytes: number; budgetBytes: number; lookups: number; hits: number } | undefined) {
  return {
    queueDepth: 0,
    queueLimit: 4,
    busySlots: 0,
    slots: 1,
    ...(prefixCache === undefined ? {} : { prefixCache: { ...prefixCache, hitTokens: 600, saves: 2, savedBytes: 1, rejected: 1 } }),
  };
}

const ON = { entries: 3, bytes: 48 * 1024 * 1024, budgetBytes: 1024 * 1024 * 1024, lookups: 8, hits: 2 };

describe('prefix cache figures for the report', () => {
  it('reads every figure from the engine /metrics text', () => {
    assert.deepEqual(parsePrefixCacheMetrics(engineMetrics(ON)), {
      entries: 3,
      bytes: 48 * 1024 * 1024,
      budgetBytes: 1024 * 1024 * 1024,
      lookups: 8,
      hits: 2,
      hitTokens: 600,
      rejected: 1,
      promptTokens: 1000,
      cachedTokens: 750,
    });
    assert.equal(parsePrefixCacheMetrics('slm_prefix_cache_entries 3\n'), undefined, 'a missing series is not a zero');
  });

  it('asks the engine with the key; off when the budget is 0; unavailable names the reason', async () => {
    const seen: string[] = [];
    const query = (body: string, status = 200) => ({
      engineOrigin: 'http://127.0.0.1:8080',
      apiKey: KEY,
      directory: '/var/lib/slm-copilot/prefix-cache',
      keyFile: '/var/lib/slm-copilot/engine-key',
      now: NOW,
      read: async (url: string, key: string) => {
        seen.push(`${url} ${key}`);
        return { status, body };
      },
    });
    const on = await readPrefixCacheReport(query(engineMetrics(ON)));
    assert.equal(on.kind, 'on');
    assert.deepEqual(seen, ['http://127.0.0.1:8080/metrics sk-test']);
    assert.equal((await readPrefixCacheReport(query(engineMetrics(undefined)))).kind, 'off');
    const denied = await readPrefixCacheReport(query('', 401));
    assert.deepEqual(denied.kind === 'unavailable' && denied.reason, 'http://127.0.0.1:8080/metrics answered HTTP 401');
    const down = await readPrefixCacheReport({
      ...query(''),
      read: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8080');
      },
    });
    assert.match(down.kind === 'unavailable' ? down.reason : '', /did not answer .*ECONNREFUSED/);
  });

  it('renders size, budget, hit rate and a live command in [Prefix cache]', async () => {
    const report = await readPrefixCacheReport({
      engineOrigin: 'http://127.0.0.1:8080',
      apiKey: KEY,
      directory: '/var/lib/slm-copilot/prefix-cache',
      keyFile: '/var/lib/slm-copilot/engine-key',
      now: NOW,
      read: async () => ({ status: 200, body: engineMetrics(ON) }),
    });
    const lines = prefixCacheSection(report);
    const s = new ReportSections(lines.join('\n'));
    assert.equal(s.get('Prefix cache', 'state'), 'on');
    assert.equal(s.get('Prefix cache', 'entries'), '3');
    assert.match(s.get('Prefix cache', 'size'), /^48\.0 MiB of a 1024\.0 MiB budget \(4\.7 %/);
    assert.equal(s.get('Prefix cache', 'hits'), '2');
    assert.equal(s.get('Prefix cache', 'hit_rate'), '25.0 %');
    assert.match(s.get('Prefix cache', 'prompt_reuse'), /^75\.0 % of 1000 prompt tokens/);
    assert.match(
      s.get('Prefix cache', 'live'),
      /^curl -s -H "Authorization: Bearer \$\(cat \/var\/lib\/slm-copilot\/engine-key\)" http:\/\/127\.0\.0\.1:8080\/metrics \| grep /,
    );
    assert.ok(lines[1]?.includes(NOW.toISOString()), 'says when the figures were read');
  });
});
