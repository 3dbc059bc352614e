/**
 * The report's [Prefix cache] section: what the disk tier of the prompt-prefix cache holds and how often
 * it served, as the engine reported it when the report was written (configure and bootstrap, i.e. every
 * boot). Counters run since the engine started; the live figures are one curl away.
 */
import type { PrefixCacheReport } from '../report/prefix-cache-figures.ts';

const MIB = 1024 * 1024;

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)} %`;
}

export function prefixCacheSection(report: PrefixCacheReport): string[] {
  const lines = [
    '[Prefix cache]',
    `; disk tier of the prompt cache (KV state of earlier prompts, reloaded instead of prefilled); read from the engine at ${report.readAt.toISOString()}`,
    `directory = ${report.directory}`,
  ];
  if (report.kind === 'off') return [...lines, 'state = off (the engine runs without a disk cache)'];
  if (report.kind === 'unavailable')
    return [...lines, `state = unknown: ${report.reason} (bootstrap rewrites this report once the engine is ready)`];
  const f = report.figures;
  return [
    ...lines,
    'state = on',
    `entries = ${f.entries}`,
    `size = ${mib(f.bytes)} of a ${mib(f.budgetBytes)} budget (${percent(f.bytes, f.budgetBytes)}; least recently used entries go first)`,
    '; counters below run since the engine started (it restarts on boot and on a reconfigure that changes it)',
    `lookups = ${f.lookups}`,
    `hits = ${f.hits}`,
    `hit_rate = ${percent(f.hits, f.lookups)}`,
    `hit_tokens = ${f.hitTokens} prompt tokens loaded from disk instead of prefilled`,
    `rejected = ${f.rejected} entries refused (corrupt, foreign model or context) or failing to load`,
    `prompt_reuse = ${percent(f.cachedTokens, f.promptTokens)} of ${f.promptTokens} prompt tokens were not prefilled (held by a slot or loaded from disk)`,
    // Straight to this VM's engine (as root, on the VM): through the edge a balancer may pick another engine.
    `live = curl -s -H "Authorization: Bearer $(cat ${report.keyFile})" ${report.metricsUrl} | grep -E '^slm_(prefix_cache|cached_tokens|prompt_tokens)'`,
  ];
}
