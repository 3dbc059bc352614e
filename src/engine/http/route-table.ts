/**
 * Every route of the engine, written once: the app registers from this table, the key check reads who may
 * call a route from it, and the request record takes its log and metrics label from it.
 */
import type { Context } from 'hono';
import { LIVENESS_PATH, READINESS_PATHS } from '../../lib/probe-paths.ts';
import type { AppDeps, AppEnv } from './app-types.ts';
import { chatCompletionsHandler } from './routes/chat-completions.ts';
import { completionsHandler } from './routes/completions.ts';
import { livenessHandler, readinessHandler } from './routes/health.ts';
import { metricsHandler } from './routes/metrics.ts';
import { getModelHandler, listModelsHandler } from './routes/models.ts';

/**
 * probe: public, polled by monitors and balancers; metrics: public unless `metricsAuth`, polled by
 * Prometheus; api: needs the key. Successful polls are logged at debug level so they do not flood the log.
 */
export type RouteKind = 'probe' | 'metrics' | 'api';

export interface Route {
  method: 'get' | 'post';
  /** Hono's path pattern, which is also the route's label in logs and metrics. */
  path: string;
  kind: RouteKind;
  handler: (deps: AppDeps) => (c: Context<AppEnv>) => Response | Promise<Response>;
}

export const ROUTES: readonly Route[] = [
  { method: 'get', path: LIVENESS_PATH, kind: 'probe', handler: () => livenessHandler() },
  ...READINESS_PATHS.map((path): Route => ({ method: 'get', path, kind: 'probe', handler: readinessHandler })),
  { method: 'get', path: '/metrics', kind: 'metrics', handler: metricsHandler },
  { method: 'get', path: '/v1/models', kind: 'api', handler: listModelsHandler },
  { method: 'get', path: '/v1/models/:id', kind: 'api', handler: getModelHandler },
  { method: 'post', path: '/v1/chat/completions', kind: 'api', handler: chatCompletionsHandler },
  { method: 'post', path: '/v1/completions', kind: 'api', handler: completionsHandler },
];

const MATCHERS = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/:[a-z]+/gi, '[^/]+')}$`),
}));

/** The route a request path belongs to, whatever the method (a wrong method still counts under its route). */
export function routeOf(path: string): Route | undefined {
  return MATCHERS.find((m) => m.pattern.test(path))?.route;
}
