/**
 * Composes the engine server: HTTP app + metrics + lifecycle around an `InferenceEngine`, listening at
 * once (so /healthz answers and /readyz says "starting" during a long model load), loading in the
 * background, and shutting down in order: stop accepting → let in-flight work finish within the grace
 * period → abort the rest with `ShuttingDownError` → close the engine.
 */

import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from '../lib/logger.ts';
import { MAX_REQUEST_BODY_BYTES } from '../lib/request-limits.ts';
import { unixSeconds } from './api/ids.ts';
import type { AppEnv } from './http/app-types.ts';
import { createApp } from './http/create-app.ts';
import { ServerLifecycle } from './http/server-lifecycle.ts';
import type { InferenceEngine, SamplingParams } from './inference/types.ts';
import { ServerMetrics } from './metrics/server-metrics.ts';

export interface EngineServerOptions {
  engine: InferenceEngine;
  host: string;
  /** 0 picks a free port. */
  port: number;
  apiKeys: readonly string[];
  metricsAuth: boolean;
  pingIntervalMs: number;
  requestTimeoutMs: number;
  bodyLimitBytes: number;
  defaults: Partial<SamplingParams>;
  logger: Logger;
}

export interface EngineServer {
  /** `http://host:port` (IPv6 hosts bracketed). */
  readonly url: string;
  readonly port: number;
  readonly app: Hono<AppEnv>;
  readonly lifecycle: ServerLifecycle;
  readonly metrics: ServerMetrics;
  /** Settles when the model load finished (rejects when it failed). */
  readonly loaded: Promise<void>;
  /** Graceful stop; resolves when the listener and the engine are closed. Idempotent. */
  shutdown(graceMs: number): Promise<void>;
}

export const DEFAULT_BODY_LIMIT_BYTES = MAX_REQUEST_BODY_BYTES;

function listen(app: Hono<AppEnv>, host: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(server));
    server.once('error', reject);
  });
}

export async function startEngineServer(options: EngineServerOptions): Promise<EngineServer> {
  const { engine, logger } = options;
  const lifecycle = new ServerLifecycle();
  const metrics = new ServerMetrics(engine);
  const app = createApp({
    engine,
    defaults: options.defaults,
    apiKeys: options.apiKeys,
    metricsAuth: options.metricsAuth,
    pingIntervalMs: options.pingIntervalMs,
    requestTimeoutMs: options.requestTimeoutMs,
    bodyLimitBytes: options.bodyLimitBytes,
    logger,
    metrics,
    lifecycle,
    systemFingerprint: 'slm-copilot',
    startedAt: unixSeconds(),
  });
  const server = await listen(app, options.host, options.port);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  if (options.apiKeys.length === 0) {
    logger.warn('no API key configured: authentication is OFF; anyone who can reach this port can use the model', { url });
  }
  logger.info('listening', { url, auth: options.apiKeys.length > 0, metricsAuth: options.apiKeys.length > 0 && options.metricsAuth });

  const loadStarted = performance.now();
  const loaded = engine.load().then(
    () =>
      logger.info('model loaded', {
        model: engine.modelId,
        contextSize: engine.contextSize,
        loadMs: Math.round(performance.now() - loadStarted),
      }),
    (error: unknown) => {
      logger.error('model load failed', { model: engine.modelId, error: error instanceof Error ? error.message : String(error) });
      throw error;
    },
  );
  loaded.catch(() => {});

  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs: number): Promise<void> => {
    stopping ??= (async () => {
      lifecycle.startDraining();
      logger.info('shutting down', { inFlight: lifecycle.inFlight, graceMs });
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (!(await lifecycle.waitIdle(graceMs))) {
        logger.warn('grace period over: aborting in-flight requests', { inFlight: lifecycle.inFlight });
        lifecycle.abortAll();
        await lifecycle.waitIdle(5000);
      }
      await loaded.catch(() => {});
      await engine.close();
      // Handlers are done, but their last bytes may still be on the way out: let connections drain
      // (closing each as it goes idle) before cutting whatever is left.
      const http = server as import('node:http').Server;
      const sweep = setInterval(() => http.closeIdleConnections(), 25);
      const drained = await Promise.race([closed.then(() => true), sleep(1000).then(() => false)]);
      clearInterval(sweep);
      if (!drained) http.closeAllConnections();
      await closed;
      logger.info('stopped');
    })();
    return stopping;
  };

  return { url, port: address.port, app, lifecycle, metrics, loaded, shutdown };
}
