/** Starts the real engine HTTP server (port 0, loopback) around a `FakeEngine`, for HTTP-layer tests. */

import { DEFAULT_BODY_LIMIT_BYTES, type EngineServer, type EngineServerOptions, startEngineServer } from '../../src/engine/serve.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import { FakeEngine, type FakeEngineOptions } from './fake-engine.ts';

export interface FakeServer {
  server: EngineServer;
  engine: FakeEngine;
  url: string;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startFakeServer(
  engineOptions: FakeEngineOptions = {},
  overrides: Partial<Omit<EngineServerOptions, 'engine' | 'logger'>> = {},
): Promise<FakeServer> {
  const engine = new FakeEngine(engineOptions);
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const server = await startEngineServer({
    engine,
    host: '127.0.0.1',
    port: 0,
    apiKeys: [],
    metricsAuth: false,
    pingIntervalMs: 10_000,
    requestTimeoutMs: 0,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    defaults: {},
    logger,
    ...overrides,
  });
  if ((engineOptions.loadDelayMs ?? 0) === 0) await server.loaded;
  return { server, engine, url: server.url, logs, close: () => server.shutdown(2000) };
}

/** The raw SSE events of a response body, in order (`data: …` payloads and `: comments`). */
export async function readSseEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  assertEndsWithBlankLine(text);
  return text.split('\n\n').filter((e) => e !== '');
}

function assertEndsWithBlankLine(text: string): void {
  if (text !== '' && !text.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
}

/** The JSON payloads of the `data:` events (without [DONE]). */
export function dataFrames(events: string[]): Record<string, unknown>[] {
  return events.filter((e) => e.startsWith('data: ') && e !== 'data: [DONE]').map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
}

export function chatBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'whatever', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
}

export const jsonHeaders = { 'content-type': 'application/json' };
