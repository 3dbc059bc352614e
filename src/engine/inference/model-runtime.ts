/**
 * Loads llama.cpp (prebuilt CPU binary only), the model, and one context whose sequences are the
 * engine's slots. Thread count is always explicit: node-llama-cpp's own detection oversubscribes small
 * machines (see docs/reference node-llama-cpp.md §2).
 *
 * Context sizing with several sequences (node-llama-cpp 3.21.1, LlamaContext._create): `contextSize`
 * is per sequence; the library allocates pad256(contextSize × sequences) KV cells with a non-unified
 * KV cache, so llama.cpp gives each sequence n_ctx / n_seq ≥ contextSize cells, and reports
 * `context.contextSize` (possibly padded up) as the per-sequence size. Its "failed creation remedy"
 * would silently shrink the context on allocation failure, so it is turned off, and the result is
 * checked.
 */
import { getLlama, type Llama, type LlamaContext, type LlamaContextSequence, LlamaLogLevel, type LlamaModel } from 'node-llama-cpp';
import { llamaContextOptions } from '../../lib/llama-context-options.ts';
import type { Logger } from '../../lib/logger.ts';
import { InternalError } from '../api/api-errors.ts';
import type { EngineConfig } from './types.ts';

export interface ModelRuntime {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  sequences: LlamaContextSequence[];
  dispose(): Promise<void>;
}

const LOG_LEVELS: Partial<Record<LlamaLogLevel, 'error' | 'warn' | 'info' | 'debug'>> = {
  [LlamaLogLevel.fatal]: 'error',
  [LlamaLogLevel.error]: 'error',
  [LlamaLogLevel.warn]: 'warn',
};

export async function loadModelRuntime(config: EngineConfig, logger: Logger): Promise<ModelRuntime> {
  const llama = await getLlama({
    build: 'never',
    gpu: false,
    skipDownload: true,
    maxThreads: config.threads,
    logLevel: LlamaLogLevel.error,
    logger: (level, message) => {
      const mapped = LOG_LEVELS[level];
      if (mapped !== undefined) logger[mapped]('llama.cpp', { message: message.trim() });
    },
  });
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  try {
    model = await llama.loadModel({ modelPath: config.modelPath, gpuLayers: 0 });
    context = await model.createContext({
      contextSize: config.contextSize,
      sequences: config.parallel,
      threads: config.threads,
      ...llamaContextOptions(config.contextSize),
      failedCreationRemedy: false,
    });
    if (context.contextSize < config.contextSize) {
      throw new InternalError(`llama.cpp created ${context.contextSize} tokens per slot, less than the configured ${config.contextSize}.`);
    }
    const sequences: LlamaContextSequence[] = [];
    for (let i = 0; i < config.parallel; i++) {
      sequences.push(
        context.getSequence({
          // Never drop tokens to make room: the engine clamps every budget so this cannot trigger.
          contextShift: {
            strategy: () => {
              throw new InternalError('Context shift requested; the engine never shifts a prompt.');
            },
          },
        }),
      );
    }
    const loadedModel = model;
    const loadedContext = context;
    return {
      llama,
      model: loadedModel,
      context: loadedContext,
      sequences,
      async dispose() {
        await loadedContext.dispose();
        await loadedModel.dispose();
        await llama.dispose();
      },
    };
  } catch (error) {
    await context?.dispose();
    await model?.dispose();
    await llama.dispose();
    throw error;
  }
}
