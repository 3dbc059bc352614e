/**
 * `slm-copilot serve`: the OpenAI-compatible engine on llama.cpp. Reads options, the model YAML and the API
 * keys (file or SLM_COPILOT_API_KEY; never argv), starts the server, and stops gracefully on SIGTERM/SIGINT.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadApiKeys } from '../../engine/config/api-keys.ts';
import { defaultContextSize } from '../../engine/config/default-context.ts';
import { resolveServeConfig, type ServeEngineConfig, serveOptions } from '../../engine/config/serve-config.ts';
import { DEMO_MODEL_ID, ensureDemoModel } from '../../engine/demo-model.ts';
import type { EngineConfig, InferenceEngine } from '../../engine/inference/types.ts';
import { DEFAULT_BODY_LIMIT_BYTES, startEngineServer } from '../../engine/serve.ts';
import { createLogger } from '../../lib/logger.ts';
import { defaultThreadCount } from '../../lib/usable-cpus.ts';
import { defineCommand } from '../command.ts';

export const serveCommand = defineCommand('serve', {
  summary: 'Run the OpenAI-compatible inference server (--model FILE.gguf or --config MODEL.yaml).',
  description: `Serves an OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models), plus /healthz,
/readyz and /metrics. Without --model/--config it generates and serves a DEMO model.`,
  options: serveOptions,
  async run(values, { env }) {
    const logger = createLogger({ level: values['log-level'] });
    const config = resolveServeConfig(values, defaultThreadCount());
    const apiKeys = loadApiKeys(values['api-key-file'], env['SLM_COPILOT_API_KEY']);

    let chosen: ServeEngineConfig;
    if (config.engine === undefined) {
      const cacheDir = join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'slm-copilot');
      const modelPath = await ensureDemoModel(cacheDir);
      chosen = { ...config.engineDefaults, modelPath, modelId: DEMO_MODEL_ID };
      const notice = `DEMO MODEL: no --model or --config given, serving the generated demo model "${DEMO_MODEL_ID}" (${modelPath}); it answers with a fixed sentence.`;
      process.stderr.write(`slm-copilot serve: ${notice}\n`);
      logger.warn('serving the generated DEMO model; pass --model FILE.gguf or --config MODEL.yaml for a real one', {
        model: DEMO_MODEL_ID,
        path: modelPath,
      });
    } else {
      chosen = config.engine;
    }
    const engineConfig: EngineConfig = {
      ...chosen,
      contextSize: chosen.contextSize ?? (await defaultContextSize(chosen.modelPath, chosen.parallel, logger)).contextSize,
    };

    const { createLlamaEngine } = await import('../../engine/inference/llama-engine.ts');
    const engine: InferenceEngine = createLlamaEngine(engineConfig, { logger });
    logger.info('starting', {
      model: engineConfig.modelId,
      modelPath: engineConfig.modelPath,
      contextSize: engineConfig.contextSize,
      threads: engineConfig.threads,
      parallel: engineConfig.parallel,
      queue: engineConfig.queueLimit,
      prefixCache: engineConfig.prefixCache?.dir ?? 'off',
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
});
