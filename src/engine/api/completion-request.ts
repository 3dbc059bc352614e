/** POST /v1/completions body (raw prompt, e.g. Continue autocomplete) → the core's completion input. */
import { z } from 'zod';
import type { GenerationInput, SamplingParams } from '../inference/types.ts';
import { InvalidRequestError } from './api-errors.ts';
import { samplingFields, toSamplingParams } from './sampling-fields.ts';
import { zodIssueToError } from './zod-issue-to-error.ts';

export const completionRequestSchema = z.object({
  ...samplingFields,
  prompt: z.union([z.string(), z.array(z.string()).length(1, { error: 'only one prompt per request is supported' })], {
    error: 'expected a string',
  }),
  echo: z.literal(false, { error: 'echo is not supported' }).nullish(),
  best_of: z.literal(1, { error: 'only best_of = 1 is supported' }).nullish(),
  suffix: z.string().nullish(),
});

export interface ParsedCompletionRequest {
  input: Extract<GenerationInput, { kind: 'completion' }>;
  stream: boolean;
  includeUsage: boolean;
}

export function parseCompletionRequest(body: unknown, defaults: Partial<SamplingParams>): ParsedCompletionRequest {
  const parsed = completionRequestSchema.safeParse(body);
  if (!parsed.success) throw zodIssueToError(parsed.error);
  const req = parsed.data;
  if (req.suffix != null && req.suffix !== '') {
    throw new InvalidRequestError('suffix (fill-in-the-middle) is not supported; put the FIM template in prompt.', {
      param: 'suffix',
    });
  }
  const prompt = typeof req.prompt === 'string' ? req.prompt : (req.prompt[0] ?? '');
  return {
    input: { kind: 'completion', prompt, sampling: toSamplingParams(req, defaults) },
    stream: req.stream === true,
    includeUsage: req.stream_options?.include_usage === true,
  };
}
