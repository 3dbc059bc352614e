/**
 * What `serve --config` takes from a model definition (src/lib/model-definition.ts): file fields made
 * absolute (relative to the YAML's directory), the engine sizes, and the sampling defaults in the core's
 * names.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Template } from '@huggingface/jinja';
import { ConfigError } from '../../lib/errors.ts';
import { type ModelSamplingField, mapModelFiles, parseModelDefinition } from '../../lib/model-definition.ts';
import type { ChatTemplateOverride, SamplingParams, SpeculationConfig } from '../inference/types.ts';

export interface ModelSettings {
  name?: string;
  /** Absolute path of the GGUF. */
  modelPath: string;
  contextSize?: number;
  threads?: number;
  parallel?: number;
  /** Absolute directory and optional budget of the disk prefix cache. */
  prefixCache?: { dir: string; budgetBytes?: number };
  /** Only the fields the YAML sets. */
  speculation?: Partial<SpeculationConfig>;
  defaults: Partial<SamplingParams>;
  /** The operator's template (`chat_template`, `chat_template_format`); undefined → the GGUF's own. */
  chatTemplate?: ChatTemplateOverride;
}

const MIB = 1024 * 1024;

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
  if (definition.chat_template_format === 'builtin') out.chatTemplate = { format: 'builtin' };
  else if (definition.chat_template !== undefined) out.chatTemplate = readChatTemplate(definition.chat_template, path);
  const cache = definition.prefix_cache;
  if (cache !== undefined) {
    out.prefixCache = { dir: resolve(directory, cache.dir) };
    if (cache.budget_mb !== undefined) out.prefixCache.budgetBytes = cache.budget_mb * MIB;
  }
  const spec = definition.speculative;
  if (spec !== undefined) {
    const speculation: Partial<SpeculationConfig> = {};
    if (spec.enabled !== undefined) speculation.enabled = spec.enabled;
    if (spec.max_draft !== undefined) speculation.maxDraft = spec.max_draft;
    if (spec.min_ngram !== undefined) speculation.minNgram = spec.min_ngram;
    if (spec.max_ngram !== undefined) speculation.maxNgram = spec.max_ngram;
    out.speculation = speculation;
  }
  return out;
}

/** Reads and parses the operator's Jinja file, so a typo stops the start with its file and line, not the first request. */
function readChatTemplate(file: string, yamlPath: string): ChatTemplateOverride {
  const field = `${yamlPath}: chat_template`;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ field, message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  try {
    new Template(source);
  } catch (error) {
    throw new ConfigError([{ field, message: `${file} is not a valid Jinja template: ${(error as Error).message}` }]);
  }
  return { format: 'jinja', source, origin: file };
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
