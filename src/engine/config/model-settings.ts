/**
 * What `serve --config` takes from a model definition (src/lib/model-definition.ts): file fields made
 * absolute (relative to the YAML's directory), the engine sizes, and the sampling defaults in the core's
 * names.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../lib/errors.ts';
import { type ModelSamplingField, mapModelFiles, parseModelDefinition } from '../../lib/model-definition.ts';
import type { SamplingParams } from '../inference/types.ts';

export interface ModelSettings {
  name?: string;
  /** Absolute path of the GGUF. */
  modelPath: string;
  contextSize?: number;
  threads?: number;
  parallel?: number;
  defaults: Partial<SamplingParams>;
}

/** Every sampling field of a definition and its name in the core; the typecheck flags a field left out. */
const SAMPLING_NAMES = {
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  seed: 'seed',
  max_tokens: 'maxTokens',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
} as const satisfies Record<ModelSamplingField, keyof SamplingParams>;

/** Parses YAML text; `path` is used for relative file fields and error messages. */
export function parseModelSettings(text: string, path: string): ModelSettings {
  const directory = dirname(resolve(path));
  const definition = mapModelFiles(parseModelDefinition(text, path), (file) => resolve(directory, file));
  const defaults: Partial<Record<keyof SamplingParams, unknown>> = {};
  for (const [field, name] of Object.entries(SAMPLING_NAMES) as [ModelSamplingField, keyof SamplingParams][]) {
    const value = definition.parameters[field];
    if (value !== undefined) defaults[name] = value;
  }
  if (definition.stopwords !== undefined) defaults.stop = definition.stopwords;
  const out: ModelSettings = { modelPath: definition.parameters.model, defaults: defaults as Partial<SamplingParams> };
  if (definition.name !== undefined) out.name = definition.name;
  if (definition.context_size !== undefined) out.contextSize = definition.context_size;
  if (definition.threads !== undefined) out.threads = definition.threads;
  if (definition.parallel !== undefined) out.parallel = definition.parallel;
  return out;
}

export function loadModelSettings(path: string): ModelSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { field: '--config', message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` },
    ]);
  }
  return parseModelSettings(text, path);
}
