/**
 * The model YAML: a LocalAI-compatible subset, so an existing `/models/<name>.yaml` keeps working.
 * Unknown keys (backend, f16, mmap, template, …) are ignored; the ones we use are checked with zod.
 *
 *   name: devstral-small-2          # id served in /v1/models
 *   context_size: 32768
 *   threads: 2
 *   parallel: 1                     # ours, optional
 *   stopwords: ["</s>"]             # LocalAI's name for default stop strings
 *   parameters:
 *     model: devstral.gguf          # relative to the YAML's directory
 *     temperature: 0.15
 *     top_p: 0.95
 *     top_k: 40
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../lib/errors.ts';
import type { SamplingParams } from '../inference/types.ts';

const positiveInt = z.number().int().min(1);

const modelYamlSchema = z.object({
  name: z.string().min(1).optional(),
  context_size: positiveInt.optional(),
  threads: positiveInt.optional(),
  parallel: positiveInt.optional(),
  stopwords: z.array(z.string()).optional(),
  parameters: z.object({
    model: z.string().min(1),
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    top_k: z.number().int().min(0).optional(),
    seed: z.number().int().optional(),
    max_tokens: positiveInt.optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
  }),
});

export interface ModelYaml {
  name?: string;
  /** Absolute path of the GGUF. */
  modelPath: string;
  contextSize?: number;
  threads?: number;
  parallel?: number;
  defaults: Partial<SamplingParams>;
}

/** Parses YAML text; `path` is used for relative model paths and error messages. */
export function parseModelYaml(text: string, path: string): ModelYaml {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError([{ field: path, message: `not valid YAML: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  const parsed = modelYamlSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ field: `${path}: ${i.path.map(String).join('.') || '(root)'}`, message: i.message })),
    );
  }
  const y = parsed.data;
  const p = y.parameters;
  const defaults: Partial<SamplingParams> = {};
  if (p.temperature !== undefined) defaults.temperature = p.temperature;
  if (p.top_p !== undefined) defaults.topP = p.top_p;
  if (p.top_k !== undefined) defaults.topK = p.top_k;
  if (p.seed !== undefined) defaults.seed = p.seed;
  if (p.max_tokens !== undefined) defaults.maxTokens = p.max_tokens;
  if (p.presence_penalty !== undefined) defaults.presencePenalty = p.presence_penalty;
  if (p.frequency_penalty !== undefined) defaults.frequencyPenalty = p.frequency_penalty;
  if (y.stopwords !== undefined) defaults.stop = y.stopwords;
  const out: ModelYaml = { modelPath: resolve(dirname(resolve(path)), p.model), defaults };
  if (y.name !== undefined) out.name = y.name;
  if (y.context_size !== undefined) out.contextSize = y.context_size;
  if (y.threads !== undefined) out.threads = y.threads;
  if (y.parallel !== undefined) out.parallel = y.parallel;
  return out;
}

export function loadModelYaml(path: string): ModelYaml {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { field: '--config', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` },
    ]);
  }
  return parseModelYaml(text, path);
}
