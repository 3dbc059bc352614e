/**
 * The raw baseline: node-llama-cpp in-process, no HTTP, no scheduler. Runs as its own child process so
 * that it never computes while the server does, and so that its model and threads go away with it.
 * Generation is a plain greedy `sequence.evaluate` loop stopped after exactly N tokens (EOS ignored).
 */

import { performance } from 'node:perf_hooks';
import { Template } from '@huggingface/jinja';
import { getLlama, type LlamaContext, type LlamaContextSequence, LlamaLogLevel, type LlamaModel, type Token } from 'node-llama-cpp';
import { llamaContextOptions } from '../lib/llama-context-options.ts';
import type { BenchMessage } from './prompts.ts';
import type { RawRequest, RawResponse, RawRunResult } from './raw-protocol.ts';
import { decodeRate } from './stats.ts';

let model: LlamaModel | undefined;
let context: LlamaContext | undefined;
let sequence: LlamaContextSequence | undefined;

function send(message: RawResponse): void {
  process.send?.(message);
}

/** Renders like the server does (model's Jinja template); plain text when the model has none. */
function render(messages: BenchMessage[]): { text: string; templated: boolean } {
  const m = model!;
  const source = m.fileInfo.metadata.tokenizer?.chat_template;
  if (typeof source === 'string') {
    try {
      const text = new Template(source).render({
        messages,
        add_generation_prompt: true,
        bos_token: m.tokens.bosString ?? '',
        eos_token: m.tokens.eosString ?? '',
      });
      return { text, templated: true };
    } catch {
      // fall through to plain text; the row then says "untemplated"
    }
  }
  return { text: `${messages.map((x) => `${x.role}: ${x.content}`).join('\n')}\nassistant:`, templated: false };
}

function tokens(messages: BenchMessage[]): { tokens: Token[]; templated: boolean } {
  const { text, templated } = render(messages);
  // Like the server's chat path: the template writes BOS itself, nothing is prepended.
  return { tokens: model!.tokenize(text, true), templated };
}

async function run(messages: BenchMessage[], count: number): Promise<RawRunResult> {
  // Every run starts cold, like the server's decode runs (their prompts are salted, so nothing is reused).
  await sequence!.clearHistory();
  const prompt = tokens(messages);
  const started = performance.now();
  let first = Number.NaN;
  let last = Number.NaN;
  const generated: Token[] = [];
  for await (const token of sequence!.evaluate(prompt.tokens, { temperature: 0 })) {
    const now = performance.now();
    if (generated.length === 0) first = now;
    last = now;
    generated.push(token);
    if (generated.length >= count) break;
  }
  return {
    promptTokens: prompt.tokens.length,
    generatedTokens: generated.length,
    ttftMs: first - started,
    decodeTokPerSec: decodeRate(generated.length, first, last),
    totalMs: performance.now() - started,
    text: model!.detokenize(generated),
    templated: prompt.templated,
    rssBytes: process.memoryUsage().rss,
  };
}

async function handle(request: RawRequest): Promise<RawResponse> {
  switch (request.type) {
    case 'load': {
      const started = performance.now();
      const llama = await getLlama({
        build: 'never',
        gpu: false,
        skipDownload: true,
        maxThreads: request.threads,
        logLevel: LlamaLogLevel.error,
      });
      model = await llama.loadModel({ modelPath: request.modelPath, gpuLayers: 0 });
      context = await model.createContext({
        contextSize: request.contextSize,
        sequences: 1,
        threads: request.threads,
        ...llamaContextOptions(request.contextSize),
        ...(request.flashAttention === undefined ? {} : { flashAttention: request.flashAttention }),
      });
      sequence = context.getSequence();
      return { type: 'loaded', loadMs: performance.now() - started, rssBytes: process.memoryUsage().rss };
    }
    case 'run':
      return { type: 'ran', result: await run(request.messages, request.tokens) };
    case 'count':
      return { type: 'counted', tokens: tokens(request.messages).tokens.length };
    case 'close':
      await context?.dispose();
      await model?.dispose();
      return { type: 'closed' };
  }
}

// One request at a time, in order; the parent awaits each answer before sending the next.
let chain = Promise.resolve();
process.on('message', (message: RawRequest) => {
  chain = chain.then(async () => {
    try {
      const response = await handle(message);
      send(response);
      if (response.type === 'closed') process.disconnect();
    } catch (error) {
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  });
});
process.on('disconnect', () => process.exit(0));
