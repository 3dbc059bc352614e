/** The `slm_*` metrics of one server: what a request left behind, plus engine gauges read at scrape time. */
import type { EngineStats } from '../inference/types.ts';
import { Counter, Gauge, Histogram, Registry } from './registry.ts';

export interface MetricsSource {
  stats(): EngineStats;
  readonly ready: boolean;
}

/** One finished generation, as the HTTP layer saw it. */
export interface GenerationObservation {
  promptTokens: number;
  cachedTokens: number;
  generatedTokens: number;
  queueSeconds: number;
  /** Undefined when no token came (error, abort, zero-length answer). */
  ttftSeconds?: number;
  decodeTokensPerSecond?: number;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = this.registry.register(new Counter('slm_requests_total', 'HTTP requests by route and status.'));
  readonly ttft = this.registry.register(
    new Histogram('slm_time_to_first_token_seconds', 'From request arrival to the first generated token.', LATENCY_BUCKETS),
  );
  readonly queueWait = this.registry.register(
    new Histogram('slm_queue_wait_seconds', 'Time a generation waited for a free slot.', LATENCY_BUCKETS),
  );
  readonly duration = this.registry.register(
    new Histogram('slm_request_duration_seconds', 'Whole request duration, streams included.', LATENCY_BUCKETS),
  );
  readonly decodeRate = this.registry.register(
    new Histogram('slm_decode_tokens_per_second', 'Decode speed of each generation.', [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]),
  );
  readonly promptTokens = this.registry.register(new Counter('slm_prompt_tokens_total', 'Prompt tokens of finished generations.'));
  readonly cachedTokens = this.registry.register(
    new Counter('slm_cached_tokens_total', 'Prompt tokens reused from a slot cache instead of evaluated.'),
  );
  readonly generatedTokens = this.registry.register(new Counter('slm_generated_tokens_total', 'Generated tokens.'));

  constructor(source: MetricsSource) {
    this.registry.register(
      new Gauge('slm_model_loaded', '1 once the model is loaded and requests are served.', () => (source.ready ? 1 : 0)),
    );
    this.registry.register(new Gauge('slm_queue_depth', 'Requests waiting for a slot.', () => source.stats().queueDepth));
    this.registry.register(new Gauge('slm_queue_limit', 'Requests allowed to wait before 429.', () => source.stats().queueLimit));
    this.registry.register(new Gauge('slm_busy_slots', 'Slots generating or evaluating a prompt.', () => source.stats().busySlots));
    this.registry.register(new Gauge('slm_slots', 'Configured parallel slots.', () => source.stats().slots));
    // Disk tier of the prefix cache; absent (0) when it is off.
    const cache = () => source.stats().prefixCache;
    const gauges: Array<[string, string, () => number]> = [
      ['slm_prefix_cache_bytes', 'Bytes of KV state in the disk prefix cache.', () => cache()?.bytes ?? 0],
      ['slm_prefix_cache_budget_bytes', 'Disk budget of the prefix cache.', () => cache()?.budgetBytes ?? 0],
      ['slm_prefix_cache_entries', 'Cached prefixes on disk.', () => cache()?.entries ?? 0],
      ['slm_prefix_cache_lookups_total', 'Requests that looked for a cached prefix.', () => cache()?.lookups ?? 0],
      ['slm_prefix_cache_hits_total', 'Requests started from a prefix loaded from disk.', () => cache()?.hits ?? 0],
      ['slm_prefix_cache_hit_tokens_total', 'Prompt tokens loaded from disk instead of prefilled.', () => cache()?.hitTokens ?? 0],
      [
        'slm_prefix_cache_rejected_total',
        'Entries refused before loading (corrupt, foreign) or failing to load.',
        () => cache()?.rejected ?? 0,
      ],
      [
        'slm_prefix_cache_load_bytes_per_second',
        'Measured load rate (checksum + read), moving average.',
        () => cache()?.loadBytesPerSecond ?? 0,
      ],
      ['slm_prefix_cache_save_bytes_per_second', 'Measured save rate, moving average.', () => cache()?.saveBytesPerSecond ?? 0],
    ];
    for (const [name, help, read] of gauges) this.registry.register(new Gauge(name, help, read));
  }

  observeRequest(route: string, status: number, seconds: number): void {
    this.requests.inc({ route, status: String(status) });
    this.duration.observe(seconds);
  }

  observeGeneration(o: GenerationObservation): void {
    this.promptTokens.inc({}, o.promptTokens);
    this.cachedTokens.inc({}, o.cachedTokens);
    this.generatedTokens.inc({}, o.generatedTokens);
    this.queueWait.observe(o.queueSeconds);
    if (o.ttftSeconds !== undefined) this.ttft.observe(o.ttftSeconds);
    if (o.decodeTokensPerSecond !== undefined) this.decodeRate.observe(o.decodeTokensPerSecond);
  }
}
