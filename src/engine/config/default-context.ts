/**
 * `serve` without --context-size or a YAML context_size: the window chooseContextWindow picks for this
 * model on this machine, logged with the figures behind it, and a warning when an agent will run short.
 */
import { stat } from 'node:fs/promises';
import { type ContextWindowChoice, chooseContextWindow } from '../../lib/context-window.ts';
import { kvBytesPerToken, readKvShape } from '../../lib/gguf-kv-shape.ts';
import type { Logger } from '../../lib/logger.ts';
import { usableMemoryBytes } from '../../lib/usable-memory.ts';

export async function defaultContextSize(
  modelPath: string,
  parallel: number,
  logger: Logger,
  memoryBytes = usableMemoryBytes(),
): Promise<ContextWindowChoice> {
  const shape = await readKvShape(modelPath, '--model');
  const choice = chooseContextWindow({
    memoryBytes,
    weightsBytes: (await stat(modelPath)).size,
    kvBytesPerToken: kvBytesPerToken(shape),
    trainContext: shape.trainContext,
    parallel,
  });
  logger.info('context window chosen', {
    contextSize: choice.contextSize,
    limitedBy: choice.limitedBy,
    kvBytesPerToken: kvBytesPerToken(shape),
    trainContext: shape.trainContext,
    memoryBytes,
  });
  if (choice.warning !== undefined) logger.warn(choice.warning, { contextSize: choice.contextSize });
  return choice;
}
