/** Starts the real engine server in-process (port 0) around node-llama-cpp and a generated model. */
import OpenAI from 'openai';
import { createLlamaEngine } from '../../src/engine/inference/llama-engine.ts';
import type { GenerateOptions, GenerationResult, InferenceEngine, PreparedGeneration } from '../../src/engine/inference/types.ts';
import { DEFAULT_BODY_LIMIT_BYTES, type EngineServer, type EngineServerOptions, startEngineServer } from '../../src/engine/serve.ts';
import { createLogger } from '../../src/lib/logger.ts';

export interface RealServer {
  server: EngineServer;
  engine: InferenceEngine;
  client: OpenAI;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface RealServerOptions {
  modelPath: string;
  modelId?: string;
  contextSize?: number;
  apiKeys?: string[];
  /** Wraps the engine (fault injection). */
  wrap?: (engine: InferenceEngine) => InferenceEngine;
  server?: Partial<Omit<EngineServerOptions, 'engine' | 'logger'>>;
}

export async function startRealServer(options: RealServerOptions): Promise<RealServer> {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const core = createLlamaEngine(
    {
      modelPath: options.modelPath,
      modelId: options.modelId ?? 'test-model',
      contextSize: options.contextSize ?? 1024,
      threads: 1,
      parallel: 1,
      queueLimit: 8,
      defaults: {},
    },
    { logger },
  );
  const engine = options.wrap?.(core) ?? core;
  const apiKeys = options.apiKeys ?? ['sk-test-key'];
  const server = await startEngineServer({
    engine,
    host: '127.0.0.1',
    port: 0,
    apiKeys,
    metricsAuth: true,
    pingIntervalMs: 10_000,
    requestTimeoutMs: 0,
    bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
    defaults: {},
    logger,
    ...options.server,
  });
  try {
    await server.loaded;
  } catch (error) {
    await server.shutdown(0);
    throw error;
  }
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: apiKeys[0] ?? 'none', maxRetries: 0, timeout: 120_000 });
  return { server, engine, client, logs, close: () => server.shutdown(1000) };
}

/**
 * An engine that fails a generation with `error` right after its first content or tool-call event,
 * through the real engine's abort path: the way a decode failure mid-answer looks to the HTTP layer.
 */
export function failAfterFirstToken(engine: InferenceEngine, error: Error): InferenceEngine {
  return {
    get modelId() {
      return engine.modelId;
    },
    get contextSize() {
      return engine.contextSize;
    },
    get ready() {
      return engine.ready;
    },
    load: () => engine.load(),
    prepare: (input) => engine.prepare(input),
    stats: () => engine.stats(),
    close: () => engine.close(),
    async generate(prepared: PreparedGeneration, options: GenerateOptions): Promise<GenerationResult> {
      const inner = new AbortController();
      const onOuter = () => inner.abort(options.signal.reason);
      options.signal.addEventListener('abort', onOuter, { once: true });
      try {
        return await engine.generate(prepared, {
          ...options,
          signal: inner.signal,
          onEvent: (event) => {
            options.onEvent?.(event);
            if (event.type === 'content' || event.type === 'tool-call-start') inner.abort(error);
          },
        });
      } catch (e) {
        throw inner.signal.reason === error ? error : e;
      } finally {
        options.signal.removeEventListener('abort', onOuter);
      }
    },
  };
}
