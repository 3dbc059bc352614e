/**
 * `slm-copilot serve` configuration: flags (strings from parseArgs) and the model YAML, validated
 * with zod into one typed object. Flags override the YAML; the YAML overrides built-in defaults.
 */
import { basename, extname } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../../lib/errors.ts';
import type { EngineConfig } from '../inference/types.ts';
import { loadModelSettings, type ModelSettings } from './model-settings.ts';

export interface ServeFlags {
  model?: string | undefined;
  config?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  threads?: string | undefined;
  'context-size'?: string | undefined;
  parallel?: string | undefined;
  queue?: string | undefined;
  'metrics-auth'?: boolean | undefined;
  'no-metrics-auth'?: boolean | undefined;
  'ping-interval'?: string | undefined;
  'shutdown-grace'?: string | undefined;
  'request-timeout'?: string | undefined;
  'model-id'?: string | undefined;
}

export interface ServeConfig {
  /** Undefined when no model was configured (the CLI then serves a generated demo model). */
  engine: EngineConfig | undefined;
  host: string;
  port: number;
  /** Whether /metrics needs a key; undefined = "yes when a key is configured". */
  metricsAuth: boolean | undefined;
  pingIntervalMs: number;
  shutdownGraceMs: number;
  requestTimeoutMs: number;
  /** Engine settings to use for a demo model (everything but the model). */
  engineDefaults: Omit<EngineConfig, 'modelPath' | 'modelId'>;
}

export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  contextSize: 8192,
  parallel: 1,
  queue: 8,
  pingIntervalSeconds: 10,
  shutdownGraceSeconds: 20,
  requestTimeoutSeconds: 0,
};

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const flagSchema = z.object({
  host: z.string().min(1).default(SERVE_DEFAULTS.host),
  port: int(0, 65535).default(SERVE_DEFAULTS.port),
  threads: int(1, 1024).optional(),
  'context-size': int(64, 1 << 22).optional(),
  parallel: int(1, 64).optional(),
  queue: int(0, 100_000).default(SERVE_DEFAULTS.queue),
  'ping-interval': z.coerce.number().min(0).max(3600).default(SERVE_DEFAULTS.pingIntervalSeconds),
  'shutdown-grace': z.coerce.number().min(0).max(3600).default(SERVE_DEFAULTS.shutdownGraceSeconds),
  'request-timeout': z.coerce.number().min(0).max(86_400).default(SERVE_DEFAULTS.requestTimeoutSeconds),
  'model-id': z.string().min(1).optional(),
});

/** The served id of a bare GGUF: its file name without extension. */
export function modelIdFromPath(path: string): string {
  return basename(path, extname(path));
}

export function resolveServeConfig(flags: ServeFlags, defaultThreads: number): ServeConfig {
  if (flags.model !== undefined && flags.config !== undefined) {
    throw new ConfigError([{ field: '--model', message: 'give either --model or --config, not both' }]);
  }
  const parsed = flagSchema.safeParse(Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issues: ConfigIssue[] = parsed.error.issues.map((i) => ({ field: `--${i.path.map(String).join('.')}`, message: i.message }));
    throw new ConfigError(issues);
  }
  const f = parsed.data;
  const yaml: ModelSettings | undefined = flags.config === undefined ? undefined : loadModelSettings(flags.config);
  const engineDefaults = {
    contextSize: f['context-size'] ?? yaml?.contextSize ?? SERVE_DEFAULTS.contextSize,
    threads: f.threads ?? yaml?.threads ?? defaultThreads,
    parallel: f.parallel ?? yaml?.parallel ?? SERVE_DEFAULTS.parallel,
    queueLimit: f.queue,
    defaults: yaml?.defaults ?? {},
  };
  const modelPath = flags.model ?? yaml?.modelPath;
  const engine: EngineConfig | undefined =
    modelPath === undefined
      ? undefined
      : { ...engineDefaults, modelPath, modelId: f['model-id'] ?? yaml?.name ?? modelIdFromPath(modelPath) };
  let metricsAuth: boolean | undefined;
  if (flags['metrics-auth'] === true) metricsAuth = true;
  if (flags['no-metrics-auth'] === true) metricsAuth = false;
  return {
    engine,
    host: f.host,
    port: f.port,
    metricsAuth,
    pingIntervalMs: f['ping-interval'] * 1000,
    shutdownGraceMs: f['shutdown-grace'] * 1000,
    requestTimeoutMs: f['request-timeout'] * 1000,
    engineDefaults,
  };
}
