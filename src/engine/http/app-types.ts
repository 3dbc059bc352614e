/** What the HTTP app is built from, and the per-request variables its middleware sets. */
import type { Logger } from '../../lib/logger.ts';
import type { InferenceEngine, SamplingParams } from '../inference/types.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { RequestRecord } from './request-record.ts';
import type { ServerLifecycle } from './server-lifecycle.ts';

export interface AppDeps {
  engine: InferenceEngine;
  /** Model YAML sampling defaults; request fields win. */
  defaults: Partial<SamplingParams>;
  apiKeys: readonly string[];
  /** Whether GET /metrics needs a key (only meaningful when keys are configured). */
  metricsAuth: boolean;
  /** SSE `: ping` after this long without a write; 0 disables. */
  pingIntervalMs: number;
  /** Per-request limit; 0 = none. */
  requestTimeoutMs: number;
  bodyLimitBytes: number;
  logger: Logger;
  metrics: ServerMetrics;
  lifecycle: ServerLifecycle;
  systemFingerprint: string;
  /** Unix seconds, shown as the model's `created`. */
  startedAt: number;
}

export interface AppEnv {
  Variables: { record: RequestRecord };
}
