/**
 * Answers an OpenAI route with one generation, whole or streamed (the inference core runs it, in
 * generation-run.ts). The route supplies the request parsing and the frame builders; this file owns the
 * stream mechanics: SSE headers sent at once, pings while queued or evaluating the prompt, events as
 * frames in order, error frames after the stream started.
 */
import type { Context } from 'hono';
import { stream } from 'hono/streaming';
import type { ResponseMeta } from '../api/chat-frames.ts';
import { newId, unixSeconds } from '../api/ids.ts';
import { toOpenAIError } from '../api/openai-error.ts';
import type { GenerationEvent, GenerationInput, GenerationResult } from '../inference/types.ts';
import { SseWriter } from '../stream/sse-writer.ts';
import type { AppDeps, AppEnv } from './app-types.ts';
import { createRequestSignal } from './request-signal.ts';
import { startGeneration } from './start-generation.ts';

export interface GenerationFrames {
  /** Whole response for `stream: false`. */
  whole(result: GenerationResult): unknown;
  /** Frames sent before anything is generated. */
  opening(): unknown[];
  event(event: GenerationEvent): unknown | undefined;
  /** Frames after the last event; `includeUsage` adds the usage frame. */
  closing(result: GenerationResult, includeUsage: boolean): unknown[];
}

export interface GenerationRequest {
  input: GenerationInput;
  stream: boolean;
  includeUsage: boolean;
}

/** What every object of one response shares; `idPrefix` is OpenAI's (`chatcmpl`, `cmpl`). */
export function newResponseMeta(deps: AppDeps, idPrefix: string): ResponseMeta {
  return { id: newId(idPrefix), created: unixSeconds(), model: deps.engine.modelId, systemFingerprint: deps.systemFingerprint };
}

const isToken = (e: GenerationEvent) => e.type === 'content' || e.type === 'tool-call-start';

export async function respondWithGeneration(
  c: Context<AppEnv>,
  deps: AppDeps,
  request: GenerationRequest,
  frames: GenerationFrames,
): Promise<Response> {
  const record = c.get('record');
  const requestSignal = createRequestSignal(c.req.raw.signal, deps.lifecycle.shutdownSignal, deps.requestTimeoutMs);
  const signal = requestSignal.signal;
  try {
    // Streams send their opening frames at once; the SSE writer buffers until the stream is attached.
    const sse = request.stream ? new SseWriter(deps.pingIntervalMs) : undefined;
    if (sse !== undefined) {
      record.stream = true;
      for (const frame of frames.opening()) sse.send(frame);
    }
    const started = await startGeneration(deps.engine, request.input, {
      signal,
      requestId: record.id,
      draining: () => deps.lifecycle.draining,
      onEvent: (e) => {
        if (isToken(e)) record.markFirstToken();
        if (sse === undefined) return;
        const frame = frames.event(e);
        if (frame !== undefined) sse.send(frame);
      },
    });
    if (sse === undefined) {
      const result = await started.result;
      record.setResult(result);
      return c.json(frames.whole(result) as object);
    }

    record.deferred = true;
    c.header('Content-Type', 'text/event-stream; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    c.header('X-Accel-Buffering', 'no');
    return stream(c, async (out) => {
      let status = 200;
      sse.attach(out);
      try {
        const result = await started.result;
        record.setResult(result);
        for (const frame of frames.closing(result, request.includeUsage)) sse.send(frame);
        sse.done();
      } catch (error) {
        const e = toOpenAIError(error);
        status = e.status;
        record.errorCode = e.body.error.code ?? e.body.error.type;
        if (e.status >= 500 && e.body.error.code === null)
          deps.logger.error('generation failed', { requestId: record.id, error: String(error) });
        sse.send(e.body);
        sse.close();
      } finally {
        requestSignal.dispose();
        record.finish(status);
      }
    });
  } finally {
    if (!record.deferred) requestSignal.dispose();
  }
}
