/**
 * One request on one slot (a llama.cpp sequence): reuse the slot's cached prefix, evaluate the rest of
 * the prompt in chunks (checking the abort signal between chunks, since llama.cpp cannot stop inside
 * one), then sample token by token while steering the model's tool-call syntax (tool-call-format.ts):
 *
 *   content ──call marker──► name (grammar: one of the declared names then the name-end marker; the engine
 *   writes the rest of the syntax, id included, once a name is complete and no longer name extends it)
 *   ──► arguments (grammar: the tool's schema or generic JSON, dropped the moment the value closes)
 *   ──► after-arguments (only another call marker continues; anything else ends).
 */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import type { GrammarProvider } from './grammar-provider.ts';
import type { ToolSyntax } from './model-chat.ts';
import type { ModelVocab } from './model-vocab.ts';
import type { PreparedRequest } from './prepared-request.ts';
import { Steering } from './response-steering.ts';
import { toEvaluateOptions } from './sampling-options.ts';
import { type DraftSource, type SpeculationConfig, type SpeculationStats, speculativeDecode } from './speculative-decode.ts';
import type { FinishReason, GenerationEvent, ToolCall } from './types.ts';

export interface RunContext {
  model: LlamaModel;
  vocab: ModelVocab;
  grammars: GrammarProvider;
  /** Prompt tokens evaluated per step; the abort signal is checked between steps. */
  prefillChunk: number;
  /** The model's tool-call syntax; undefined when it has none. */
  toolSyntax: ToolSyntax | undefined;
  now: () => number;
  /** Prompt-lookup speculative decoding; undefined or disabled → the plain loop. */
  speculation?: SpeculationConfig;
  /** Replaces prompt lookup as the draft source (tests of the verification rule). */
  proposeDraft?: DraftSource;
  /** Called after each prefill chunk with prompt tokens evaluated so far (cached ones included). */
  onPrefillProgress?: (evaluated: number, total: number) => void;
}

export interface RunOutcome {
  finishReason: FinishReason;
  content: string;
  toolCalls: ToolCall[];
  cachedTokens: number;
  completionTokens: number;
  promptMs: number;
  generationMs: number;
  /** Present when the speculative loop ran. */
  speculation?: SpeculationStats;
}

/** Speculation runs where no grammar can apply: no JSON response format, no tool calls in the model's syntax. */
export function canSpeculate(ctx: RunContext, req: PreparedRequest): boolean {
  return ctx.speculation?.enabled === true && req.contentGrammar === undefined && (req.tools === undefined || ctx.toolSyntax === undefined);
}

export function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

export async function runGeneration(
  ctx: RunContext,
  sequence: LlamaContextSequence,
  req: PreparedRequest,
  signal: AbortSignal,
  onEvent: (event: GenerationEvent) => void,
): Promise<RunOutcome> {
  const startedAt = ctx.now();
  const prompt = req.tokens;

  // Keep the longest common prefix, but always evaluate ≥1 token so there are logits to sample from.
  const cachedTokens = Math.min(commonPrefixLength(sequence.contextTokens, prompt), prompt.length - 1);
  if (sequence.nextTokenIndex > cachedTokens) {
    await sequence.eraseContextTokenRanges([{ start: cachedTokens, end: sequence.nextTokenIndex }]);
  }
  let pending = prompt.slice(cachedTokens);
  while (pending.length > ctx.prefillChunk) {
    throwIfAborted(signal);
    await sequence.evaluateWithoutGeneratingNewTokens(pending.slice(0, ctx.prefillChunk));
    pending = pending.slice(ctx.prefillChunk);
    ctx.onPrefillProgress?.(prompt.length - pending.length, prompt.length);
  }
  throwIfAborted(signal);

  const steering = new Steering(ctx, req);
  const generated: Token[] = [];
  let firstTokenAt: number | undefined;
  const emitAll = (events: readonly GenerationEvent[]): void => {
    for (const e of events) onEvent(e);
  };
  const onFirstToken = (): void => {
    firstTokenAt = ctx.now();
    onEvent({ type: 'prompt-processed', promptTokens: prompt.length, cachedTokens });
    emitAll(steering.takeInitialEvents());
  };

  let finishReason: FinishReason = 'length';
  let speculation: SpeculationStats | undefined;
  if (ctx.speculation !== undefined && canSpeculate(ctx, req)) {
    const outcome = await speculativeDecode(sequence, req, steering, pending, ctx.speculation, {
      signal,
      onFirstToken,
      generated,
      ...(ctx.proposeDraft === undefined ? {} : { propose: ctx.proposeDraft }),
      accept: (token) => {
        const action = steering.accept(token, generated.length);
        emitAll(action.events);
        return action;
      },
    });
    finishReason = outcome.finishReason;
    speculation = outcome.speculation;
  } else {
    finishReason = await plainDecode(sequence, req, steering, pending, { signal, onFirstToken, generated, emitAll });
  }
  emitAll(steering.finish());
  const endedAt = ctx.now();
  return {
    finishReason,
    content: steering.content,
    toolCalls: steering.toolCalls,
    cachedTokens,
    completionTokens: generated.length,
    promptMs: (firstTokenAt ?? endedAt) - startedAt,
    generationMs: endedAt - (firstTokenAt ?? endedAt),
    ...(speculation === undefined ? {} : { speculation }),
  };
}

/** One token per step through node-llama-cpp's evaluate generator (grammars, token bias, penalties). */
async function plainDecode(
  sequence: LlamaContextSequence,
  req: PreparedRequest,
  steering: Steering,
  pending: Token[],
  hooks: {
    signal: AbortSignal;
    onFirstToken: () => void;
    generated: Token[];
    emitAll: (events: readonly GenerationEvent[]) => void;
  },
): Promise<FinishReason> {
  const { generated, emitAll } = hooks;
  const gen = sequence.evaluate(pending, {
    ...toEvaluateOptions(req.sampling, generated),
    grammarEvaluationState: () => steering.grammar,
    tokenBias: () => steering.bias,
    yieldEogToken: true,
  });
  let first = true;
  let replacement: Token[] | undefined;
  try {
    while (true) {
      const step = await gen.next(replacement);
      replacement = undefined;
      if (first) {
        first = false;
        hooks.onFirstToken();
      }
      if (step.done === true) return steering.endReason();
      throwIfAborted(hooks.signal);
      const action = steering.accept(step.value, generated.length);
      emitAll(action.events);
      if (action.kept) generated.push(step.value);
      if (action.injected !== undefined) generated.push(...action.injected);
      if (action.finish !== undefined) return action.finish;
      replacement = action.evaluate;
      if (generated.length >= req.maxTokens) return steering.budgetReason();
    }
  } finally {
    await gen.return();
  }
}
