/**
 * The engine's HTTP errors: each carries the status, OpenAI's error `type`, and the `param`/`code` a client
 * branches on. `toOpenAIError` (./openai-error.ts) maps them, and anything else thrown, to the wire.
 */
import { SlmError } from '../../lib/errors.ts';
import type { OpenAIErrorType } from '../../lib/openai-error-type.ts';

export interface ApiErrorOptions {
  param?: string | null;
  code?: string | null;
  cause?: unknown;
}

export class ApiError extends SlmError {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly code: string | null;

  constructor(status: number, type: OpenAIErrorType, message: string, options: ApiErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.type = type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
  }

  /** Extra response headers this error asks for (e.g. Retry-After). */
  headers(): Record<string, string> {
    return {};
  }
}

export class InvalidRequestError extends ApiError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(400, 'invalid_request_error', message, options);
  }
}

/**
 * Worded exactly as OpenAI words it: every Cline generation (legacy regexes and the SDK's
 * `context_length_exceeded` code) recognises it and compacts the conversation instead of failing.
 */
export class ContextLengthExceededError extends InvalidRequestError {
  readonly contextSize: number;
  readonly promptTokens: number;

  /** `atLeast`: the prompt was rejected before it was fully tokenized, so `promptTokens` is a lower bound. */
  constructor(contextSize: number, promptTokens: number, param = 'messages', atLeast = false) {
    super(
      `This model's maximum context length is ${contextSize} tokens. ` +
        `However, your messages resulted in ${atLeast ? 'at least ' : ''}${promptTokens} tokens.`,
      { param, code: 'context_length_exceeded' },
    );
    this.contextSize = contextSize;
    this.promptTokens = promptTokens;
  }
}

/** The request body is larger than the server accepts. */
export class PayloadTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super(413, 'invalid_request_error', `The request body is larger than the limit of ${limitBytes} bytes.`, {
      code: 'request_too_large',
    });
  }
}

export class AuthenticationError extends ApiError {
  constructor(message = 'Invalid API key. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".') {
    super(401, 'authentication_error', message, { code: 'invalid_api_key' });
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string, options: ApiErrorOptions = {}) {
    super(404, 'not_found_error', message, options);
  }
}

/** Too many requests: the bounded queue is full, or the edge's rate limit hit. */
export class QueueFullError extends ApiError {
  readonly retryAfterSeconds: number;

  constructor(queueLimit: number, retryAfterSeconds = 2) {
    super(429, 'rate_limit_error', `The server is busy: ${queueLimit} requests are already waiting. Retry after ${retryAfterSeconds} s.`, {
      code: 'queue_full',
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

export class ServiceUnavailableError extends ApiError {
  readonly retryAfterSeconds: number;

  constructor(message: string, code: string, retryAfterSeconds = 5) {
    super(503, 'service_unavailable_error', message, { code });
    this.retryAfterSeconds = retryAfterSeconds;
  }

  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

export class ModelNotReadyError extends ServiceUnavailableError {
  constructor() {
    super('The model is still loading. Retry when GET /readyz answers 200.', 'model_not_ready');
  }
}

export class ShuttingDownError extends ServiceUnavailableError {
  constructor() {
    super('The server is shutting down; the request was stopped. Retry shortly.', 'shutting_down');
  }
}

export class RequestTimeoutError extends ApiError {
  constructor(seconds: number) {
    super(504, 'timeout_error', `The request took longer than the server's limit of ${seconds} s and was stopped.`, {
      code: 'request_timeout',
    });
  }
}

/** The client went away; nobody reads the body, but logs and metrics count it as status 499. */
export class ClientClosedError extends ApiError {
  constructor() {
    super(499, 'invalid_request_error', 'The client closed the connection.', { code: 'client_closed' });
  }
}

export class InternalError extends ApiError {
  constructor(message = 'The server had an internal error while processing the request.', cause?: unknown) {
    super(500, 'server_error', message, { cause });
  }
}
