/**
 * The prefix cache's figures for the report, read from the local engine's own /metrics (with the key the
 * engine accepts: it runs with metrics auth). /metrics rather than a file the engine writes: the numbers
 * are the ones the engine serves to monitoring, they cannot be stale, and an engine that does not answer
 * says so instead of leaving old figures behind.
 */
import { requestText } from '../../lib/https/request.ts';

export interface PrefixCacheFigures {
  entries: number;
  bytes: number;
  budgetBytes: number;
  /** Counters since the engine started. */
  lookups: number;
  hits: number;
  hitTokens: number;
  rejected: number;
  /** All prompt tokens, and those not prefilled (held by a slot or loaded from disk), since the engine started. */
  promptTokens: number;
  cachedTokens: number;
}

export type PrefixCacheReport = {
  directory: string;
  readAt: Date;
  /** The engine's /metrics, and the (real path of the) key file it accepts, for the live command. */
  metricsUrl: string;
  keyFile: string;
} & ({ kind: 'on'; figures: PrefixCacheFigures } | { kind: 'off' } | { kind: 'unavailable'; reason: string });

/** GET <engine>/metrics with the key; rejects on a network error or timeout. */
export type EngineMetricsReader = (url: string, apiKey: string) => Promise<{ status: number; body: string }>;

export const readEngineMetrics: EngineMetricsReader = (url, apiKey) =>
  requestText({ url, headers: { authorization: `Bearer ${apiKey}` }, timeoutMs: 5_000 });

const NAMES = {
  entries: 'slm_prefix_cache_entries',
  bytes: 'slm_prefix_cache_bytes',
  budgetBytes: 'slm_prefix_cache_budget_bytes',
  lookups: 'slm_prefix_cache_lookups_total',
  hits: 'slm_prefix_cache_hits_total',
  hitTokens: 'slm_prefix_cache_hit_tokens_total',
  rejected: 'slm_prefix_cache_rejected_total',
  promptTokens: 'slm_prompt_tokens_total',
  cachedTokens: 'slm_cached_tokens_total',
} as const satisfies Record<keyof PrefixCacheFigures, string>;

/**
 * The figures from Prometheus text, or undefined when a series is missing (an engine without the cache
 * metrics). A budget of 0 is how the engine says the disk tier is off.
 */
export function parsePrefixCacheMetrics(text: string): PrefixCacheFigures | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+) (\S+)$/.exec(line.trim());
    if (m !== null) values.set(m[1]!, Number(m[2]));
  }
  const out: Partial<PrefixCacheFigures> = {};
  for (const [key, name] of Object.entries(NAMES) as Array<[keyof PrefixCacheFigures, string]>) {
    const v = values.get(name);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    out[key] = v;
  }
  return out as PrefixCacheFigures;
}

export interface PrefixCacheQuery {
  /** e.g. http://127.0.0.1:8080 */
  engineOrigin: string;
  apiKey: string;
  /** Where the cache lives (real path), for the operator. */
  directory: string;
  /** Real path of the key file the engine accepts. */
  keyFile: string;
  now: Date;
  read?: EngineMetricsReader | undefined;
}

export async function readPrefixCacheReport(q: PrefixCacheQuery): Promise<PrefixCacheReport> {
  const url = `${q.engineOrigin}/metrics`;
  const where = { directory: q.directory, readAt: q.now, metricsUrl: url, keyFile: q.keyFile };
  let res: { status: number; body: string };
  try {
    res = await (q.read ?? readEngineMetrics)(url, q.apiKey);
  } catch (e) {
    return { kind: 'unavailable', reason: `the engine did not answer ${url} (${(e as Error).message})`, ...where };
  }
  if (res.status !== 200) return { kind: 'unavailable', reason: `${url} answered HTTP ${res.status}`, ...where };
  const figures = parsePrefixCacheMetrics(res.body);
  if (figures === undefined) return { kind: 'unavailable', reason: `${url} has no slm_prefix_cache_* series`, ...where };
  return figures.budgetBytes === 0 ? { kind: 'off', ...where } : { kind: 'on', figures, ...where };
}
