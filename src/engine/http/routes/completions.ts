/** POST /v1/completions: raw-prompt completion (e.g. Continue autocomplete), whole or streamed. */
import type { Context } from 'hono';
import { textChunk, textCompletion, textFinishChunk, textUsageChunk } from '../../api/completion-frames.ts';
import { parseCompletionRequest } from '../../api/completion-request.ts';
import type { AppDeps, AppEnv } from '../app-types.ts';
import { newResponseMeta, respondWithGeneration } from '../generation-response.ts';
import { readJsonBody } from '../read-json-body.ts';

export function completionsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const request = parseCompletionRequest(await readJsonBody(c.req.raw, deps.bodyLimitBytes), deps.defaults);
    const meta = newResponseMeta(deps, 'cmpl');
    return respondWithGeneration(c, deps, request, {
      whole: (result) => textCompletion(meta, result),
      opening: () => [],
      event: (event) => (event.type === 'content' && event.text !== '' ? textChunk(meta, event.text) : undefined),
      closing: (result, includeUsage) =>
        includeUsage ? [textFinishChunk(meta, result), textUsageChunk(meta, result)] : [textFinishChunk(meta, result)],
    });
  };
}
