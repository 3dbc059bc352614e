/** POST /v1/chat/completions: OpenAI chat, whole or streamed, with native tool calls. */
import type { Context } from 'hono';
import { chatCompletion, eventChunk, finishChunk, type ResponseMeta, roleChunk, usageChunk } from '../../api/chat-frames.ts';
import { parseChatRequest } from '../../api/chat-request.ts';
import { newId, unixSeconds } from '../../api/ids.ts';
import type { AppDeps, AppEnv } from '../app-types.ts';
import { runGeneration } from '../generation-route.ts';
import { readJsonBody } from '../read-json-body.ts';

export function chatCompletionsHandler(deps: AppDeps) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const request = parseChatRequest(await readJsonBody(c.req.raw, deps.bodyLimitBytes), deps.defaults);
    const meta: ResponseMeta = {
      id: newId('chatcmpl'),
      created: unixSeconds(),
      model: deps.engine.modelId,
      systemFingerprint: deps.systemFingerprint,
    };
    return runGeneration(c, deps, request, {
      whole: (result) => chatCompletion(meta, result),
      opening: () => [roleChunk(meta)],
      event: (event) => eventChunk(meta, event),
      closing: (result, includeUsage) => (includeUsage ? [finishChunk(meta, result), usageChunk(meta, result)] : [finishChunk(meta, result)]),
    });
  };
}
