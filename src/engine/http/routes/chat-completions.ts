/** POST /v1/chat/completions: OpenAI chat, whole or streamed, with native tool calls. */
import type { Context } from 'hono';
import { chatCompletion, eventChunk, finishChunk, roleChunk, usageChunk } from '../../api/chat-frames.ts';
import { parseChatRequest } from '../../api/chat-request.ts';
import type { AppDeps, AppEnv } from '../app-types.ts';
import { newResponseMeta, respondWithGeneration } from '../generation-response.ts';
import { readJsonBody } from '../read-json-body.ts';

export function chatCompletionsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const request = parseChatRequest(await readJsonBody(c.req.raw, deps.bodyLimitBytes), deps.defaults);
    const meta = newResponseMeta(deps, 'chatcmpl');
    return respondWithGeneration(c, deps, request, {
      whole: (result) => chatCompletion(meta, result),
      opening: () => [roleChunk(meta)],
      event: (event) => eventChunk(meta, event),
      closing: (result, includeUsage) =>
        includeUsage ? [finishChunk(meta, result), usageChunk(meta, result)] : [finishChunk(meta, result)],
    });
  };
}
