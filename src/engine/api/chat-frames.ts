/**
 * Pure builders for chat completion objects and stream chunks. Each is checked against the official
 * `openai` types with `satisfies`, so a drift from the wire contract fails the type check.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { GenerationEvent, GenerationResult, GenerationUsage } from '../inference/types.ts';

/** What every object of one response shares. */
export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
}

export function toUsage(usage: GenerationUsage): CompletionUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
  } satisfies CompletionUsage;
}

export function chatCompletion(meta: ResponseMeta, result: GenerationResult): ChatCompletion {
  const hasCalls = result.toolCalls.length > 0;
  const message: ChatCompletion.Choice['message'] = {
    role: 'assistant',
    content: hasCalls && result.content === '' ? null : result.content,
    refusal: null,
  };
  if (hasCalls) {
    message.tool_calls = result.toolCalls.map((c) => ({
      id: c.id,
      type: 'function' as const,
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [{ index: 0, message, finish_reason: result.finishReason, logprobs: null }],
    usage: toUsage(result.usage),
  } satisfies ChatCompletion;
}

function chunk(meta: ResponseMeta, choices: ChatCompletionChunk.Choice[], usage?: CompletionUsage): ChatCompletionChunk {
  const frame: ChatCompletionChunk = {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices,
  };
  if (usage !== undefined) frame.usage = usage;
  return frame;
}

/** The first chunk: announces the assistant role before anything is known about the answer. */
export function roleChunk(meta: ResponseMeta): ChatCompletionChunk {
  return chunk(meta, [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
}

/** The chunk for one core event, or undefined for events that have no wire form. */
export function eventChunk(meta: ResponseMeta, event: GenerationEvent): ChatCompletionChunk | undefined {
  switch (event.type) {
    case 'content':
      return event.text === '' ? undefined : chunk(meta, [{ index: 0, delta: { content: event.text }, finish_reason: null }]);
    case 'tool-call-start':
      return chunk(meta, [
        {
          index: 0,
          delta: {
            tool_calls: [{ index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }],
          },
          finish_reason: null,
        },
      ]);
    case 'tool-call-arguments':
      return event.delta === ''
        ? undefined
        : chunk(meta, [
            { index: 0, delta: { tool_calls: [{ index: event.index, function: { arguments: event.delta } }] }, finish_reason: null },
          ]);
    case 'prompt-processed':
      return undefined;
  }
}

export function finishChunk(meta: ResponseMeta, result: GenerationResult): ChatCompletionChunk {
  return chunk(meta, [{ index: 0, delta: {}, finish_reason: result.finishReason }]);
}

export function usageChunk(meta: ResponseMeta, result: GenerationResult): ChatCompletionChunk {
  return chunk(meta, [], toUsage(result.usage));
}
