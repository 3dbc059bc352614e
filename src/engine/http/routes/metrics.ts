/** GET /metrics: Prometheus text exposition of the `slm_*` metrics. */
import type { Context } from 'hono';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.ts';
import type { AppDeps, AppEnv } from '../app-types.ts';

export function metricsHandler(deps: AppDeps) {
  return (c: Context<AppEnv>) => c.body(deps.metrics.registry.render(), 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
}
