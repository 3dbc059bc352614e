/**
 * What one request did, collected as it runs and written once at its end: a JSON log line (never prompt
 * text or keys) and the request metrics. Streams end after the handler returns, so they finish it themselves.
 */
import type { Logger } from '../../lib/logger.ts';
import type { GenerationResult } from '../inference/types.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Route } from './route-table.ts';
import type { ServerLifecycle } from './server-lifecycle.ts';

export class RequestRecord {
  readonly id: string;
  /** Undefined for a path no route serves (a 404). */
  readonly route: Route | undefined;
  /** The route's path pattern, or `other`: a bounded set of metric labels whatever clients request. */
  readonly label: string;
  readonly method: string;
  readonly startedAt = performance.now();
  /** Set by a streaming handler: the record is finished when the stream ends, not when the handler returns. */
  deferred = false;
  stream = false;
  errorCode: string | null = null;
  #firstTokenAt: number | undefined;
  #result: GenerationResult | undefined;
  #finished = false;
  readonly #deps: { logger: Logger; metrics: ServerMetrics; lifecycle: ServerLifecycle };

  constructor(
    id: string,
    method: string,
    route: Route | undefined,
    deps: { logger: Logger; metrics: ServerMetrics; lifecycle: ServerLifecycle },
  ) {
    this.id = id;
    this.method = method;
    this.route = route;
    this.label = route?.path ?? 'other';
    this.#deps = deps;
    deps.lifecycle.requestStarted();
  }

  markFirstToken(): void {
    this.#firstTokenAt ??= performance.now();
  }

  setResult(result: GenerationResult): void {
    this.#result = result;
  }

  finish(status: number): void {
    if (this.#finished) return;
    this.#finished = true;
    const durationMs = performance.now() - this.startedAt;
    const result = this.#result;
    const ttftMs = this.#firstTokenAt === undefined ? undefined : this.#firstTokenAt - this.startedAt;
    const tokPerSec =
      result !== undefined && result.timings.generationMs > 0 && result.usage.completionTokens > 1
        ? // The first token comes with the prompt; decode speed counts the ones after it.
          ((result.usage.completionTokens - 1) * 1000) / result.timings.generationMs
        : undefined;
    this.#deps.metrics.observeRequest(this.label, status, durationMs / 1000);
    if (result !== undefined) {
      const observation: Parameters<ServerMetrics['observeGeneration']>[0] = {
        promptTokens: result.usage.promptTokens,
        cachedTokens: result.usage.cachedTokens,
        generatedTokens: result.usage.completionTokens,
        queueSeconds: result.timings.queueMs / 1000,
      };
      if (ttftMs !== undefined) observation.ttftSeconds = ttftMs / 1000;
      if (tokPerSec !== undefined) observation.decodeTokensPerSecond = tokPerSec;
      this.#deps.metrics.observeGeneration(observation);
    }
    const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);
    const fields: Record<string, unknown> = {
      requestId: this.id,
      method: this.method,
      route: this.label,
      status,
      durationMs: round(durationMs),
    };
    if (this.stream) fields['stream'] = true;
    if (this.errorCode !== null) fields['error'] = this.errorCode;
    if (result !== undefined) {
      Object.assign(fields, {
        finishReason: result.finishReason,
        queueMs: round(result.timings.queueMs),
        promptMs: round(result.timings.promptMs),
        promptTokens: result.usage.promptTokens,
        cachedTokens: result.usage.cachedTokens,
        generatedTokens: result.usage.completionTokens,
        ttftMs: round(ttftMs),
        tokPerSec: round(tokPerSec),
      });
    }
    const quiet = status < 400 && (this.route?.kind === 'probe' || this.route?.kind === 'metrics');
    if (quiet) this.#deps.logger.debug('request', fields);
    else this.#deps.logger.info('request', fields);
    this.#deps.lifecycle.requestFinished();
  }
}
