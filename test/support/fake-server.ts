/** Starts the real engine HTTP server (port 0, loopback) around a `FakeEngine`, for HTTP-layer tests. */

import { DEFAULT_BODY_LIMIT_BYTES, type EngineServer, type EngineServerOptions, startEngineServer } from '../../src/engine/serve.ts';
import { SseDecoder, type SseFrame } from '../../src/lib/https/sse-decoder.ts';
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

/** The SSE frames of a response body, in order, decoded as a client decodes them (comments such as `: ping` included). */
export async function readSseEvents(response: Response): Promise<SseFrame[]> {
  const text = await response.text();
  if (text !== '' && !text.endsWith('\n\n')) throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  const decoder = new SseDecoder();
  return [...decoder.push(text), ...decoder.end()];
}

/** The stream's last frame when it ended properly. */
export const DONE_FRAME: SseFrame = { kind: 'event', event: 'message', data: '[DONE]', id: undefined };

/** The JSON payloads of the data events (without [DONE]). */
export function dataFrames(events: SseFrame[]): Record<string, unknown>[] {
  return events.flatMap((e) => (e.kind === 'event' && e.data !== '[DONE]' ? [JSON.parse(e.data) as Record<string, unknown>] : []));
}

/** The text of a frame: a data payload, or a comment. */
export function frameText(frame: SseFrame | undefined): string {
  return frame === undefined ? '' : frame.kind === 'event' ? frame.data : frame.text;
}

export function chatBody(extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'whatever', messages: [{ role: 'user', content: 'Say hello' }], ...extra });
}

export const jsonHeaders = { 'content-type': 'application/json' };
