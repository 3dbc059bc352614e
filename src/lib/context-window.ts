/**
 * The default context window, one rule for `serve` without --context-size and the appliance's
 * ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE=auto: the largest window whose KV cache fits in RAM beside the weights,
 * capped by the model's training context and a ceiling, with a warning when it falls below what an agent
 * needs. Cline CLI opens with ~6k tokens (system prompt + 23 tools) and every tool result adds file
 * contents, so 32k is the target and ~16k the floor for a usable session.
 * The KV cache is the whole per-token cost only because the engine runs with flash attention
 * (llama-context-options.ts); without it the attention scores would add batch × heads × 4 B per token.
 */

const GiB = 1024 ** 3;

/** Kept free for the OS, nginx, Node, llama.cpp's compute buffers and the page cache of the weights' hot parts. */
export const MEMORY_RESERVE_BYTES = 1.5 * GiB;
/** Windows below this are not offered even on a tight machine: nothing useful fits. */
export const AUTO_CONTEXT_MIN = 4096;
/**
 * Past 128k tokens a CPU needs hours to prefill the window, so RAM beyond that serves better as page
 * cache and prefix cache than as KV cells no conversation reaches.
 */
export const AUTO_CONTEXT_MAX = 131072;
export const AGENT_CONTEXT_TARGET = 32768;
export const CLINE_CONTEXT_NEED = 16384;
/** Memory-limited windows round down to this step, so the number clients see stays readable. */
export const CONTEXT_STEP = 4096;

export interface ContextWindowInput {
  /** RAM this process may use (usableMemoryBytes, or the VM's). */
  memoryBytes: number;
  weightsBytes: number;
  kvBytesPerToken: number;
  trainContext: number;
  /** Slots: each holds a full window. */
  parallel: number;
  /** An upper bound set by the operator (the model definition's context_size). */
  cap?: number | undefined;
}

export type ContextLimit = 'memory' | 'training' | 'definition' | 'ceiling';

export interface ContextWindowChoice {
  contextSize: number;
  limitedBy: ContextLimit;
  /** Tokens per slot the memory budget would hold. */
  fitsTokens: number;
  /** Set when the window is below AGENT_CONTEXT_TARGET: for the log at start-up and the report. */
  warning: string | undefined;
}

export function chooseContextWindow(input: ContextWindowInput): ContextWindowChoice {
  const budget = input.memoryBytes - input.weightsBytes - MEMORY_RESERVE_BYTES;
  const fitsTokens = Math.max(0, Math.floor(budget / (input.kvBytesPerToken * Math.max(1, input.parallel))));
  const bounds: Array<[ContextLimit, number]> = [
    ['ceiling', AUTO_CONTEXT_MAX],
    ['training', input.trainContext],
    ...(input.cap === undefined ? [] : ([['definition', input.cap]] as Array<[ContextLimit, number]>)),
  ];
  let [limitedBy, upper] = bounds[0]!;
  for (const [name, value] of bounds) if (value < upper) [limitedBy, upper] = [name, value];
  let contextSize = upper;
  if (fitsTokens < upper) {
    limitedBy = 'memory';
    contextSize = Math.min(upper, Math.max(AUTO_CONTEXT_MIN, Math.floor(fitsTokens / CONTEXT_STEP) * CONTEXT_STEP));
  }
  return { contextSize, limitedBy, fitsTokens, warning: contextWarning(contextSize, limitedBy, input, budget) };
}

function contextWarning(size: number, limitedBy: ContextLimit, input: ContextWindowInput, budget: number): string | undefined {
  if (size >= AGENT_CONTEXT_TARGET) return undefined;
  const need = `Cline needs about ${CLINE_CONTEXT_NEED / 1024}k tokens (its opening request is ~6k and every tool result adds to it); ${AGENT_CONTEXT_TARGET / 1024}k is comfortable`;
  const why: Record<ContextLimit, string> = {
    memory: `only ${gib(Math.max(0, budget))} GiB of RAM is left for the KV cache beside the ${gib(input.weightsBytes)} GiB model at ${(input.kvBytesPerToken / 1024).toFixed(1)} KiB per token${input.parallel > 1 ? ` × ${input.parallel} slots` : ''}: give the machine more RAM or serve a smaller model`,
    training: `the model was trained for ${input.trainContext} tokens`,
    definition: `the model definition's context_size caps it`,
    ceiling: 'the ceiling caps it',
  };
  return `context window ${size} tokens: ${why[limitedBy]}. ${need}.`;
}

function gib(bytes: number): string {
  return (bytes / GiB).toFixed(1);
}
