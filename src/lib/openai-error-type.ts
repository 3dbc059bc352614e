/**
 * The `type` values of OpenAI's error JSON that clients know; Cline and the openai SDK branch on the
 * status, then on these. Shared by the engine's errors and the edge's own error pages, so both speak
 * the same words.
 */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable_error'
  | 'timeout_error';
