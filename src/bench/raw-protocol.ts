/** Messages between the benchmark and its raw node-llama-cpp child process (raw-worker.ts), over IPC. */
import type { BenchMessage } from './prompts.ts';

export type RawRequest =
  | { type: 'load'; modelPath: string; threads: number; contextSize: number; flashAttention?: boolean }
  | { type: 'run'; messages: BenchMessage[]; tokens: number }
  | { type: 'count'; messages: BenchMessage[] }
  | { type: 'close' };

export interface RawRunResult {
  promptTokens: number;
  generatedTokens: number;
  /** Start of prompt evaluation → first generated token. */
  ttftMs: number;
  decodeTokPerSec: number;
  totalMs: number;
  /** The generated text (to check that both sides did the same work: greedy output must match). */
  text: string;
  /** True when the prompt was rendered with the model's own chat template (same text the server sees). */
  templated: boolean;
  /** Resident memory of the worker after the run: what the evaluation buffers touched stays resident. */
  rssBytes: number;
}

export type RawResponse =
  | { type: 'loaded'; loadMs: number; rssBytes: number }
  | { type: 'ran'; result: RawRunResult }
  | { type: 'counted'; tokens: number }
  | { type: 'closed' }
  | { type: 'failed'; message: string };
