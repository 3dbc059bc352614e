/**
 * `slm-copilot serve`: the OpenAI-compatible engine on llama.cpp. Reads flags, the model YAML and the API
 * keys (file or SLM_COPILOT_API_KEY; never argv), starts the server, and stops gracefully on SIGTERM/SIGINT.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadApiKeys } from '../../engine/config/api-keys.ts';
import { resolveServeConfig, SERVE_DEFAULTS } from '../../engine/config/serve-config.ts';
import { DEMO_MODEL_ID, ensureDemoModel } from '../../engine/demo-model.ts';
import type { EngineConfig, InferenceEngine } from '../../engine/inference/types.ts';
import { DEFAULT_BODY_LIMIT_BYTES, startEngineServer } from '../../engine/serve.ts';
import { createLogger, type LogLevel } from '../../lib/logger.ts';
import { defaultThreadCount } from '../../lib/usable-cpus.ts';
import type { CliCommand } from '../main.ts';

const HELP = `Usage: slm-copilot serve [--model FILE.gguf | --config MODEL.yaml] [options]

Serves an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models), plus /healthz,
/readyz and /metrics. Without --model/--config it generates and serves a DEMO model.

Options:
  --model FILE.gguf        GGUF model to serve (id = file name without .gguf, or --model-id)
  --config MODEL.yaml      LocalAI-style model YAML (name, parameters.model, context_size, threads, sampling)
  --model-id ID            id served in /v1/models (default: YAML name or file name)
  --host HOST              listen address (default ${SERVE_DEFAULTS.host})
  --port N                 listen port (default ${SERVE_DEFAULTS.port}; 0 = any free port)
  --api-key-file FILE      API keys, one per line; also env SLM_COPILOT_API_KEY (comma-separated).
                           No key → authentication OFF (logged as a warning)
  --threads N              llama.cpp threads (default: usable CPUs − 1 = ${defaultThreadCount()})
  --context-size N         tokens per slot (default: YAML context_size, else ${SERVE_DEFAULTS.contextSize})
  --parallel N             concurrent sequences (default ${SERVE_DEFAULTS.parallel})
  --queue N                requests waiting for a slot before 429 (default ${SERVE_DEFAULTS.queue})
  --metrics-auth / --no-metrics-auth
                           whether /metrics needs a key (default: yes when a key is configured)
  --ping-interval S        SSE ": ping" after S seconds without output (default ${SERVE_DEFAULTS.pingIntervalSeconds}; 0 = off)
  --request-timeout S      stop a request after S seconds (default 0 = no limit)
  --shutdown-grace S       on SIGTERM, let running requests finish for S seconds (default ${SERVE_DEFAULTS.shutdownGraceSeconds})
  --log-level LEVEL        debug|info|warn|error (default info)
`;

export const serveCommand: CliCommand = {
  summary: 'Run the OpenAI-compatible inference server (--model FILE.gguf or --config MODEL.yaml).',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        model: { type: 'string' },
        config: { type: 'string' },
        'model-id': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'api-key-file': { type: 'string' },
        threads: { type: 'string' },
        'context-size': { type: 'string' },
        parallel: { type: 'string' },
        queue: { type: 'string' },
        'metrics-auth': { type: 'boolean' },
        'no-metrics-auth': { type: 'boolean' },
        'ping-interval': { type: 'string' },
        'request-timeout': { type: 'string' },
        'shutdown-grace': { type: 'string' },
        'log-level': { type: 'string' },
      },
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const level = (values['log-level'] ?? 'info') as LogLevel;
    if (!['debug', 'info', 'warn', 'error'].includes(level)) {
      process.stderr.write(`slm-copilot serve: --log-level must be debug, info, warn or error\n`);
      return 2;
    }
    const logger = createLogger({ level });
    const config = resolveServeConfig(values, defaultThreadCount());
    const apiKeys = loadApiKeys(values['api-key-file'], process.env['SLM_COPILOT_API_KEY']);

    let engineConfig: EngineConfig;
    if (config.engine === undefined) {
      const cacheDir = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'slm-copilot');
      const modelPath = await ensureDemoModel(cacheDir);
      engineConfig = {
        ...config.engineDefaults,
        contextSize: Math.min(config.engineDefaults.contextSize, 4096),
        modelPath,
        modelId: DEMO_MODEL_ID,
      };
      const notice = `DEMO MODEL: no --model or --config given, serving the generated demo model "${DEMO_MODEL_ID}" (${modelPath}); it answers with a fixed sentence.`;
      process.stderr.write(`slm-copilot serve: ${notice}\n`);
      logger.warn('serving the generated DEMO model; pass --model FILE.gguf or --config MODEL.yaml for a real one', {
        model: DEMO_MODEL_ID,
        path: modelPath,
      });
    } else {
      engineConfig = config.engine;
    }

    const { createLlamaEngine } = await import('../../engine/inference/llama-engine.ts');
    const engine: InferenceEngine = createLlamaEngine(engineConfig, { logger });
    logger.info('starting', {
      model: engineConfig.modelId,
      modelPath: engineConfig.modelPath,
      contextSize: engineConfig.contextSize,
      threads: engineConfig.threads,
      parallel: engineConfig.parallel,
      queue: engineConfig.queueLimit,
    });
    const server = await startEngineServer({
      engine,
      host: config.host,
      port: config.port,
      apiKeys,
      metricsAuth: config.metricsAuth ?? apiKeys.length > 0,
      pingIntervalMs: config.pingIntervalMs,
      requestTimeoutMs: config.requestTimeoutMs,
      bodyLimitBytes: DEFAULT_BODY_LIMIT_BYTES,
      defaults: engineConfig.defaults,
      logger,
    });

    return new Promise<number>((resolve) => {
      let exitCode = 0;
      let signals = 0;
      const stop = (signal: string) => {
        signals++;
        if (signals > 1) {
          logger.warn('second signal: exiting at once', { signal });
          process.exit(1);
        }
        logger.info('signal received', { signal });
        void server.shutdown(config.shutdownGraceMs).then(() => finish(exitCode));
      };
      const finish = (code: number) => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        // Nothing should keep the loop alive now; if a native handle does, do not hang the service manager.
        setTimeout(() => process.exit(code), 3000).unref();
        resolve(code);
      };
      const onTerm = () => stop('SIGTERM');
      const onInt = () => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
      server.loaded.catch(() => {
        exitCode = 1;
        void server.shutdown(0).then(() => finish(1));
      });
    });
  },
};
