/**
 * Request fields shared by /v1/chat/completions and /v1/completions, and how they become the core's
 * `SamplingParams`: a request's value wins, then the model YAML's default, then our built-in default.
 */
import { z } from 'zod';
import type { SamplingParams } from '../inference/types.ts';

/** Used when neither the request nor the model YAML says; Mistral recommends a low temperature for Devstral. */
export const BUILTIN_SAMPLING: Omit<SamplingParams, 'stop'> & { stop: string[] } = {
  temperature: 0.15,
  topP: 0.95,
  topK: 40,
  presencePenalty: 0,
  frequencyPenalty: 0,
  stop: [],
};

const maxTokens = z.number().int().min(1).nullish();

export const samplingFields = {
  model: z.string().optional(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(16)], { error: 'expected a string or an array of strings' }).nullish(),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
};

type SamplingRequest = z.infer<z.ZodObject<typeof samplingFields>>;

export function toSamplingParams(req: SamplingRequest, defaults: Partial<SamplingParams>): SamplingParams {
  const stop = req.stop == null ? (defaults.stop ?? BUILTIN_SAMPLING.stop) : typeof req.stop === 'string' ? [req.stop] : req.stop;
  const params: SamplingParams = {
    temperature: req.temperature ?? defaults.temperature ?? BUILTIN_SAMPLING.temperature,
    topP: req.top_p ?? defaults.topP ?? BUILTIN_SAMPLING.topP,
    topK: req.top_k ?? defaults.topK ?? BUILTIN_SAMPLING.topK,
    presencePenalty: req.presence_penalty ?? defaults.presencePenalty ?? BUILTIN_SAMPLING.presencePenalty,
    frequencyPenalty: req.frequency_penalty ?? defaults.frequencyPenalty ?? BUILTIN_SAMPLING.frequencyPenalty,
    stop: stop.filter((s) => s !== ''),
  };
  const seed = req.seed ?? defaults.seed;
  if (seed !== undefined) params.seed = seed;
  // max_completion_tokens is the newer name; when both come, the smaller bound is the honest one.
  const limits = [req.max_tokens, req.max_completion_tokens].filter((n): n is number => n != null);
  const maxTokens = limits.length > 0 ? Math.min(...limits) : defaults.maxTokens;
  if (maxTokens !== undefined) params.maxTokens = maxTokens;
  return params;
}
