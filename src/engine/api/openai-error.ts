/**
 * The one mapping from anything thrown to OpenAI's error JSON (`{error:{message,type,param,code}}`) with
 * its HTTP status and headers, used for JSON bodies and SSE error frames alike.
 */
import { ConfigError } from '../../lib/errors.ts';
import type { OpenAIErrorType } from '../../lib/openai-error-type.ts';
import { ApiError, InternalError, InvalidRequestError } from './api-errors.ts';

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string | null };
}

/**
 * The API error a thrown value stands for. Invalid configuration met while serving a request (e.g. a model
 * YAML) is the request's 400 naming the field; anything else is a 500 that leaks no internals.
 */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof ConfigError) {
    return new InvalidRequestError(error.message, { param: error.issues[0]?.field ?? null, code: 'invalid_config', cause: error });
  }
  return new InternalError(undefined, error);
}

/** The OpenAI error JSON for any thrown value, plus the HTTP status and headers to send it with. */
export function toOpenAIError(error: unknown): { status: number; headers: Record<string, string>; body: OpenAIErrorBody } {
  const e = asApiError(error);
  return {
    status: e.status,
    headers: e.headers(),
    body: { error: { message: e.message, type: e.type, param: e.param, code: e.code } },
  };
}
