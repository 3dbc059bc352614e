/**
 * `slm-copilot serve` configuration: the command's options (declared once, here) and the model YAML,
 * resolved into one typed object. Options override the YAML; the YAML overrides built-in defaults.
 */
import { basename, extname, resolve } from 'node:path';
import { UsageError } from '../../lib/errors.ts';
import { choiceOption, decimalOption, intOption, type OptionValues, textOption, toggleOption } from '../../lib/options.ts';
import { defaultThreadCount } from '../../lib/usable-cpus.ts';
import type { PrefixCacheConfig } from '../cache/open-prefix-cache.ts';
import { DEFAULT_SPECULATION } from '../inference/speculative-decode.ts';
import type { EngineConfig, SpeculationConfig } from '../inference/types.ts';
import { loadModelSettings, type ModelSettings } from './model-settings.ts';

/** What applies when neither an option nor the model YAML says otherwise (the context: see src/lib/context-window.ts). */
export const SERVE_DEFAULTS = { parallel: 1 };

export const serveOptions = {
  model: textOption({ placeholder: 'FILE.gguf', description: 'GGUF model to serve (id = file name without .gguf, or --model-id)' }),
  config: textOption({
    placeholder: 'MODEL.yaml',
    description: 'LocalAI-style model YAML (name, parameters.model, context_size, threads, sampling)',
  }),
  'model-id': textOption({ placeholder: 'ID', description: 'id served in /v1/models', defaultText: 'YAML name or file name' }),
  host: textOption({ placeholder: 'HOST', description: 'listen address', default: '127.0.0.1' }),
  port: intOption({ min: 0, max: 65535, default: 8080, description: 'listen port; 0 = any free port' }),
  'api-key-file': textOption({
    placeholder: 'FILE',
    description: 'API keys, one per line; also env SLM_COPILOT_API_KEY (comma-separated). No key → authentication OFF (logged)',
  }),
  threads: intOption({
    min: 1,
    max: 1024,
    description: 'llama.cpp threads',
    defaultText: () => `usable CPUs − 1 = ${defaultThreadCount()}`,
  }),
  'context-size': intOption({
    min: 64,
    max: 1 << 22,
    description: 'tokens per slot',
    defaultText: 'YAML context_size, else the largest window the RAM holds (≤ training context, ≤ 131072)',
  }),
  parallel: intOption({
    min: 1,
    max: 64,
    description: 'concurrent sequences',
    defaultText: `YAML parallel, else ${SERVE_DEFAULTS.parallel}`,
  }),
  'prefix-cache-dir': textOption({
    placeholder: 'DIR',
    description: 'disk tier of the prompt-prefix cache (slots saved there survive restarts); "off" = slots only',
    defaultText: 'YAML prefix_cache.dir, else off',
  }),
  'prefix-cache-budget': intOption({
    min: 1,
    max: 1 << 30,
    description: 'disk budget of the prefix cache in MiB (least recently used entries go first)',
    defaultText: 'YAML prefix_cache.budget_mb, else half of the free disk space',
  }),
  speculative: toggleOption({
    description: 'prompt-lookup speculative decoding (drafts copied from the prompt, verified in one batch)',
    defaultText: `YAML speculative.enabled, else ${DEFAULT_SPECULATION.enabled ? 'on' : 'off'}`,
  }),
  'speculative-max-draft': intOption({
    min: 1,
    max: 64,
    description: 'longest draft verified per step',
    defaultText: `YAML speculative.max_draft, else ${DEFAULT_SPECULATION.maxDraft}`,
  }),
  queue: intOption({ min: 0, max: 100_000, default: 8, description: 'requests waiting for a slot before 429' }),
  'metrics-auth': toggleOption({ description: 'whether /metrics needs a key', defaultText: 'yes when a key is configured' }),
  'ping-interval': decimalOption({
    placeholder: 'S',
    min: 0,
    max: 3600,
    default: 10,
    description: 'SSE ": ping" after S seconds without output; 0 = off',
  }),
  'request-timeout': decimalOption({
    placeholder: 'S',
    min: 0,
    max: 86_400,
    default: 0,
    description: 'stop a request after S seconds; 0 = no limit',
  }),
  'shutdown-grace': decimalOption({
    placeholder: 'S',
    min: 0,
    max: 3600,
    default: 20,
    description: 'on SIGTERM, let running requests finish for S seconds',
  }),
  'log-level': choiceOption(['debug', 'info', 'warn', 'error'], { default: 'info', description: 'least severe log line written' }),
};

export type ServeOptions = OptionValues<typeof serveOptions>;

/** The engine's settings before the default context is chosen (that needs the model file and the RAM). */
export type ServeEngineConfig = Omit<EngineConfig, 'contextSize'> & {
  /** Undefined: chooseContextWindow decides at start-up. */
  contextSize: number | undefined;
};

export interface ServeConfig {
  /** Undefined when no model was configured (the CLI then serves a generated demo model). */
  engine: ServeEngineConfig | undefined;
  host: string;
  port: number;
  /** Whether /metrics needs a key; undefined = "yes when a key is configured". */
  metricsAuth: boolean | undefined;
  pingIntervalMs: number;
  shutdownGraceMs: number;
  requestTimeoutMs: number;
  /** Engine settings to use for a demo model (everything but the model). */
  engineDefaults: Omit<ServeEngineConfig, 'modelPath' | 'modelId'>;
}

/** The served id of a bare GGUF: its file name without extension. */
export function modelIdFromPath(path: string): string {
  return basename(path, extname(path));
}

const MIB = 1024 * 1024;

function prefixCacheConfig(f: ServeOptions, yaml: ModelSettings | undefined): { prefixCache?: PrefixCacheConfig } {
  const flagDir = f['prefix-cache-dir'];
  if (flagDir === 'off') return {};
  const dir = flagDir === undefined ? yaml?.prefixCache?.dir : resolve(flagDir);
  if (dir === undefined) {
    if (f['prefix-cache-budget'] !== undefined) {
      throw new UsageError([
        { field: '--prefix-cache-budget', message: 'needs --prefix-cache-dir (or prefix_cache.dir in the model YAML)' },
      ]);
    }
    return {};
  }
  const budgetBytes = f['prefix-cache-budget'] === undefined ? yaml?.prefixCache?.budgetBytes : f['prefix-cache-budget'] * MIB;
  return { prefixCache: budgetBytes === undefined ? { dir } : { dir, budgetBytes } };
}

function resolveSpeculation(f: ServeOptions, yaml: ModelSettings | undefined): SpeculationConfig {
  const merged: SpeculationConfig = { ...DEFAULT_SPECULATION, ...yaml?.speculation };
  if (f.speculative !== undefined) merged.enabled = f.speculative;
  if (f['speculative-max-draft'] !== undefined) merged.maxDraft = f['speculative-max-draft'];
  return merged;
}

export function resolveServeConfig(f: ServeOptions, defaultThreads: number): ServeConfig {
  if (f.model !== undefined && f.config !== undefined) {
    throw new UsageError([{ field: '--model', message: 'give either --model or --config, not both' }]);
  }
  const yaml: ModelSettings | undefined = f.config === undefined ? undefined : loadModelSettings(f.config);
  const engineDefaults = {
    contextSize: f['context-size'] ?? yaml?.contextSize,
    threads: f.threads ?? yaml?.threads ?? defaultThreads,
    parallel: f.parallel ?? yaml?.parallel ?? SERVE_DEFAULTS.parallel,
    queueLimit: f.queue,
    defaults: yaml?.defaults ?? {},
    ...(yaml?.chatTemplate !== undefined ? { chatTemplate: yaml.chatTemplate } : {}),
    ...prefixCacheConfig(f, yaml),
    speculation: resolveSpeculation(f, yaml),
  };
  const modelPath = f.model ?? yaml?.modelPath;
  const engine: ServeEngineConfig | undefined =
    modelPath === undefined
      ? undefined
      : { ...engineDefaults, modelPath, modelId: f['model-id'] ?? yaml?.name ?? modelIdFromPath(modelPath) };
  return {
    engine,
    host: f.host,
    port: f.port,
    metricsAuth: f['metrics-auth'],
    pingIntervalMs: f['ping-interval'] * 1000,
    shutdownGraceMs: f['shutdown-grace'] * 1000,
    requestTimeoutMs: f['request-timeout'] * 1000,
    engineDefaults,
  };
}
