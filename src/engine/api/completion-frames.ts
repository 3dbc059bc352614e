/** Pure builders for text_completion objects (whole and streamed), checked against the `openai` types. */
import type { Completion, CompletionUsage } from 'openai/resources/completions';
import type { GenerationResult } from '../inference/types.ts';
import { type ResponseMeta, toUsage } from './chat-frames.ts';

type CompletionFinish = Completion['choices'][number]['finish_reason'];

/** Text completions have no tool calls; a model that emits one anyway ended its text there. */
function finishReason(result: GenerationResult): CompletionFinish {
  return result.finishReason === 'tool_calls' ? 'stop' : result.finishReason;
}

function frame(meta: ResponseMeta, text: string, finish: CompletionFinish | null, usage?: CompletionUsage): Completion {
  const out: Completion = {
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    // The SDK types finish_reason as non-null, but streamed chunks carry null until the last one, as OpenAI sends.
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish as CompletionFinish }],
  };
  if (usage !== undefined) out.usage = usage;
  return out;
}

export function textCompletion(meta: ResponseMeta, result: GenerationResult): Completion {
  return frame(meta, result.content, finishReason(result), toUsage(result.usage));
}

export function textChunk(meta: ResponseMeta, text: string): Completion {
  return frame(meta, text, null);
}

export function textFinishChunk(meta: ResponseMeta, result: GenerationResult): Completion {
  return frame(meta, '', finishReason(result));
}

export function textUsageChunk(meta: ResponseMeta, result: GenerationResult): Completion {
  const out = frame(meta, '', null, toUsage(result.usage));
  out.choices = [];
  return out;
}
