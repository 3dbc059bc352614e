/**
 * The engine's HTTP app: request record (id, log line, metrics), API key check, routes, and the one
 * error handler that turns anything thrown into OpenAI error JSON. Built from typed deps; no I/O here.
 */
import { Hono } from 'hono';
import { ApiError, AuthenticationError, NotFoundError } from '../api/api-errors.ts';
import { newId } from '../api/ids.ts';
import { toOpenAIError } from '../api/openai-error.ts';
import { createApiKeyCheck, presentedKey } from './api-key-check.ts';
import type { AppDeps, AppEnv } from './app-types.ts';
import { RequestRecord } from './request-record.ts';
import { ROUTES, routeOf } from './route-table.ts';

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const keys = createApiKeyCheck(deps.apiKeys);

  app.use('*', async (c, next) => {
    const record = new RequestRecord(newId('req'), c.req.method, routeOf(c.req.path), deps);
    c.set('record', record);
    c.header('X-Request-Id', record.id);
    try {
      await next();
    } finally {
      if (!record.deferred) record.finish(c.res.status);
    }
  });

  app.use('*', async (c, next) => {
    const kind = c.get('record').route?.kind ?? 'api';
    const needsKey = kind === 'api' || (kind === 'metrics' && deps.metricsAuth);
    if (needsKey && !keys.accepts(presentedKey(c.req.raw.headers))) throw new AuthenticationError();
    await next();
  });

  for (const route of ROUTES) app[route.method](route.path, route.handler(deps));

  app.notFound((c) => {
    const e = toOpenAIError(new NotFoundError(`Unknown route: ${c.req.method} ${c.req.path}`));
    return c.json(e.body, 404);
  });

  app.onError((error, c) => {
    const e = toOpenAIError(error);
    const record = c.get('record') as RequestRecord | undefined;
    if (record !== undefined) record.errorCode = e.body.error.code ?? e.body.error.type;
    if (!(error instanceof ApiError) || e.status === 500) {
      const cause = error instanceof ApiError ? error.cause : error;
      deps.logger.error('request failed', {
        requestId: record?.id,
        error: error instanceof Error ? error.message : String(error),
        cause: cause instanceof Error ? cause.stack : cause === undefined ? undefined : String(cause),
      });
    }
    return c.json(e.body, e.status as 400, e.headers);
  });

  return app;
}
