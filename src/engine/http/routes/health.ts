/** Liveness and readiness; which paths serve which is in lib/probe-paths.ts, shared with the edge. */
import type { Context } from 'hono';
import type { AppDeps, AppEnv } from '../app-types.ts';

export function livenessHandler() {
  return (c: Context<AppEnv>) => c.json({ status: 'ok' });
}

export function readinessHandler(deps: AppDeps) {
  return (c: Context<AppEnv>) => {
    if (deps.lifecycle.draining) return c.json({ status: 'shutting_down', reason: 'the server is stopping' }, 503);
    if (!deps.engine.ready) return c.json({ status: 'starting', reason: 'the model is loading' }, 503);
    return c.json({ status: 'ready', model: deps.engine.modelId });
  };
}
