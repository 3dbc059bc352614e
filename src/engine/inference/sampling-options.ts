/**
 * Maps the contract's sampling parameters onto node-llama-cpp's per-sequence evaluate options.
 */
import type { SequenceEvaluateOptions, Token } from 'node-llama-cpp';
import type { SamplingParams } from './types.ts';

/** llama.cpp's default penalty window (`penalty_last_n`). */
const PENALTY_WINDOW = 64;

export function toEvaluateOptions(
  sampling: SamplingParams,
  generated: readonly Token[],
): Pick<SequenceEvaluateOptions, 'temperature' | 'topK' | 'topP' | 'seed' | 'repeatPenalty'> {
  const options: Pick<SequenceEvaluateOptions, 'temperature' | 'topK' | 'topP' | 'seed' | 'repeatPenalty'> = {
    temperature: Math.max(0, sampling.temperature),
    topK: sampling.topK,
    topP: sampling.topP,
    // node-llama-cpp falls back to the current second, which would give concurrent requests equal draws.
    seed: sampling.seed ?? Math.floor(Math.random() * 2 ** 31),
  };
  if (sampling.presencePenalty !== 0 || sampling.frequencyPenalty !== 0) {
    options.repeatPenalty = {
      punishTokens: () => generated.slice(-PENALTY_WINDOW),
      maxPunishTokens: PENALTY_WINDOW,
      // Only OpenAI's additive penalties; llama.cpp's multiplicative repeat penalty stays off.
      penalty: 1,
      presencePenalty: sampling.presencePenalty,
      frequencyPenalty: sampling.frequencyPenalty,
    };
  }
  return options;
}
