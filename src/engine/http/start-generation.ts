/**
 * The part of every generation route that must finish before a status code is chosen: readiness,
 * template rendering + context check (`prepare`), and queue admission. Errors here become plain JSON
 * errors (400 overflow, 429 queue full, 503 not ready); errors later become SSE error frames.
 */
import { ApiError, ModelNotReadyError, ShuttingDownError } from '../api/api-errors.ts';
import type { GenerationEvent, GenerationInput, GenerationResult, InferenceEngine, PreparedGeneration } from '../inference/types.ts';

export interface StartOptions {
  signal: AbortSignal;
  requestId: string;
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

export async function startGeneration(engine: InferenceEngine, input: GenerationInput, options: StartOptions): Promise<StartedGeneration> {
  if (options.draining()) throw new ShuttingDownError();
  if (!engine.ready) throw new ModelNotReadyError();
  const prepared = await abortAware(engine.prepare(input), options.signal);
  if (options.signal.aborted) throw options.signal.reason;
  // The engine's scheduler is the one place that admits or refuses (queue full → 429): a refusal rejects
  // before admission and becomes this response's status; anything after admission belongs to the stream.
  const admitted = Promise.withResolvers<void>();
  const result = abortAware(
    engine.generate(prepared, {
      signal: options.signal,
      requestId: options.requestId,
      onEvent: options.onEvent,
      onAdmitted: admitted.resolve,
    }),
    options.signal,
  );
  result.then(() => admitted.resolve(), admitted.reject);
  await admitted.promise;
  return { prepared, result };
}
