/**
 * `ONEAPP_COPILOT_CONTEXT_SIZE=auto`: the largest power-of-two window whose KV cache fits in RAM beside
 * the weights, between 4096 and 65536 tokens and never above what the model definition asks for.
 * Cline's opening prompt is ~7k tokens, so any machine with room gets at least 16384.
 */

/** f16 KV for a Devstral-Small-2-class model (40 layers × 8 KV heads × 128 × 2 × 2 B): conservative for smaller ones. */
export const KV_BYTES_PER_TOKEN = 160 * 1024;
/** Kept free for the OS, nginx, Node and compute buffers. */
export const MEMORY_RESERVE_BYTES = 1.5 * 1024 ** 3;
export const AUTO_MIN = 4096;
export const AUTO_MAX = 65536;

export function autoContextSize(totalMemoryBytes: number, weightsBytes: number, modelMax: number | undefined): number {
  const budget = totalMemoryBytes - weightsBytes - MEMORY_RESERVE_BYTES;
  const fits = Math.max(0, Math.floor(budget / KV_BYTES_PER_TOKEN));
  let size = AUTO_MIN;
  while (size * 2 <= Math.min(fits, AUTO_MAX)) size *= 2;
  return modelMax === undefined ? size : Math.max(2048, Math.min(size, modelMax));
}
