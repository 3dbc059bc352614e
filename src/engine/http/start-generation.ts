/**
 * The part of every generation route that must finish before a status code is chosen: readiness,
 * template rendering + context check (`prepare`), and queue admission. Errors here become plain JSON
 * errors (400 overflow, 429 queue full, 503 not ready); errors later become SSE error frames.
 */
import { ApiError, ModelNotReadyError, QueueFullError, ShuttingDownError } from '../api/api-errors.ts';
import type { GenerationEvent, GenerationInput, GenerationResult, InferenceEngine, PreparedGeneration } from '../inference/types.ts';

export interface StartOptions {
  signal: AbortSignal;
  onEvent: (event: GenerationEvent) => void;
  draining: () => boolean;
}

export interface StartedGeneration {
  prepared: PreparedGeneration;
  /** Settles with the result, or rejects with the reason the request's signal carries. */
  result: Promise<GenerationResult>;
}

/** Aborted requests fail with the signal's reason (client gone, shutdown, timeout), whatever the engine threw. */
export function abortAware<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return promise.catch((error: unknown) => {
    if (signal.aborted && signal.reason instanceof ApiError) throw signal.reason;
    throw error;
  });
}

const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function startGeneration(engine: InferenceEngine, input: GenerationInput, options: StartOptions): Promise<StartedGeneration> {
  if (options.draining()) throw new ShuttingDownError();
  if (!engine.ready) throw new ModelNotReadyError();
  const prepared = await abortAware(engine.prepare(input), options.signal);
  if (options.signal.aborted) throw options.signal.reason;
  const stats = engine.stats();
  if (stats.busySlots >= stats.slots && stats.queueDepth >= stats.queueLimit) throw new QueueFullError(stats.queueLimit);
  const result = abortAware(engine.generate(prepared, { signal: options.signal, onEvent: options.onEvent }), options.signal);
  // The engine rejects a full queue at once; give it that one turn so the client gets a real 429.
  let early: { error: unknown } | undefined;
  result.catch((error: unknown) => {
    early ??= { error };
  });
  await nextMacrotask();
  if (early !== undefined) throw early.error;
  return { prepared, result };
}
