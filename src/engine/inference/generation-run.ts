/**
 * One request on one slot (a llama.cpp sequence): reuse the slot's cached prefix, evaluate the rest of
 * the prompt in chunks (checking the abort signal between chunks, since llama.cpp cannot stop inside
 * one), then sample token by token while steering Devstral's tool-call syntax:
 *
 *   content ──[TOOL_CALLS]──► name (grammar: one of the declared names then [ARGS]; the engine adds
 *   [ARGS] itself once a name is complete and no longer name extends it) ──► arguments (grammar: the tool's schema or generic JSON, dropped the moment
 *   the value closes) ──► after-arguments (only another [TOOL_CALLS] continues; anything else ends).
 */
import { TokenBias, type LlamaContextSequence, type LlamaGrammarEvaluationState, type LlamaModel, type Token } from 'node-llama-cpp';
import { JsonValueScanner } from '../chat/json-value-scanner.ts';
import { StopMatcher } from '../chat/stop-matcher.ts';
import { ToolCallParser, type ParsedEvent, type ParserInput } from '../chat/tool-call-parser.ts';
import type { GrammarProvider } from './grammar-provider.ts';
import type { ModelVocab } from './model-vocab.ts';
import type { PreparedRequest, ToolPlan } from './prepared-request.ts';
import { toEvaluateOptions } from './sampling-options.ts';
import { TokenTextDecoder } from './token-text-decoder.ts';
import type { FinishReason, GenerationEvent, ToolCall } from './types.ts';

export interface RunContext {
  model: LlamaModel;
  vocab: ModelVocab;
  grammars: GrammarProvider;
  /** Prompt tokens evaluated per step; the abort signal is checked between steps. */
  prefillChunk: number;
  newToolCallId: () => string;
  now: () => number;
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
  const gen = sequence.evaluate(pending, {
    ...toEvaluateOptions(req.sampling, generated),
    grammarEvaluationState: () => steering.grammar,
    tokenBias: () => steering.bias,
    yieldEogToken: true,
  });

  let firstTokenAt: number | undefined;
  let finishReason: FinishReason = 'length';
  let replacement: Token[] | undefined;
  const emitAll = (events: readonly GenerationEvent[]): void => events.forEach((e) => onEvent(e));
  try {
    while (true) {
      const step = await gen.next(replacement);
      replacement = undefined;
      if (firstTokenAt === undefined) {
        firstTokenAt = ctx.now();
        onEvent({ type: 'prompt-processed', promptTokens: prompt.length, cachedTokens });
        emitAll(steering.takeInitialEvents());
      }
      if (step.done === true) {
        finishReason = steering.endReason();
        break;
      }
      throwIfAborted(signal);
      const action = steering.accept(step.value, generated.length);
      emitAll(action.events);
      if (action.kept) generated.push(step.value);
      if (action.injected !== undefined) generated.push(action.injected);
      if (action.finish !== undefined) {
        finishReason = action.finish;
        break;
      }
      replacement = action.evaluate;
      if (generated.length >= req.maxTokens) {
        finishReason = steering.budgetReason();
        break;
      }
    }
  } finally {
    await gen.return();
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
  };
}

interface StepAction {
  events: GenerationEvent[];
  /** The sampled token is part of the output (and counts toward the budget). */
  kept: boolean;
  /** A token the engine adds after it ([ARGS]); also counts. */
  injected?: Token;
  /** Tokens to evaluate next instead of the sampled one. */
  evaluate?: Token[];
  finish?: FinishReason;
}

/** Per-request state machine: parsing, grammars, token bans, stop strings. */
class Steering {
  readonly #ctx: RunContext;
  readonly #tools: ToolPlan | undefined;
  readonly #parser: ToolCallParser;
  readonly #decoder: TokenTextDecoder;
  readonly #stop: StopMatcher;
  readonly #contentJson: JsonValueScanner | undefined;
  readonly #initialEvents: ParsedEvent[] = [];
  readonly #noControl: TokenBias;
  readonly #toolCallsAllowed: TokenBias;
  readonly #argsAllowed: TokenBias;
  readonly #maxTokens: number;
  #content = '';
  grammar: LlamaGrammarEvaluationState | undefined;
  bias: TokenBias;

  constructor(ctx: RunContext, req: PreparedRequest) {
    this.#ctx = ctx;
    this.#tools = req.tools;
    this.#maxTokens = req.maxTokens;
    this.#parser = new ToolCallParser(ctx.newToolCallId);
    this.#decoder = new TokenTextDecoder((tokens) => ctx.model.detokenize(tokens, false));
    this.#stop = new StopMatcher(req.sampling.stop);
    const controls = ctx.vocab.nonEogControlTokens;
    this.#noControl = req.kind === 'completion' ? new TokenBias(ctx.model.tokenizer) : banned(ctx.model, controls);
    this.#toolCallsAllowed =
      req.tools === undefined ? this.#noControl : banned(ctx.model, controls.filter((t) => t !== ctx.vocab.toolCallsToken));
    this.#argsAllowed =
      req.tools === undefined ? this.#noControl : banned(ctx.model, controls.filter((t) => t !== ctx.vocab.argsToken));
    this.bias = this.#noControl;
    if (req.contentGrammar !== undefined) {
      this.#contentJson = new JsonValueScanner();
      this.grammar = ctx.grammars.state(req.contentGrammar);
    } else if (req.tools !== undefined) {
      this.bias = this.#toolCallsAllowed;
    }
    const forced = req.tools?.forced;
    if (forced?.type === 'call' || forced?.type === 'named') {
      this.#initialEvents.push(...this.#parser.push({ type: 'tool-calls-marker' }));
      if (forced.type === 'named') {
        this.#initialEvents.push(...this.#parser.push({ type: 'text', text: forced.name }));
        this.#initialEvents.push(...this.#parser.push({ type: 'args-marker' }));
      }
      this.#enterPhase();
    }
  }

  get content(): string {
    return this.#content;
  }

  get toolCalls(): ToolCall[] {
    return this.#parser.completedCalls;
  }

  takeInitialEvents(): ParsedEvent[] {
    return this.#initialEvents.splice(0);
  }

  endReason(): FinishReason {
    return this.#parser.completedCalls.length > 0 && !this.#parser.hasIncompleteCall ? 'tool_calls' : 'stop';
  }

  budgetReason(): FinishReason {
    return this.#parser.phase === 'after-arguments' ? 'tool_calls' : 'length';
  }

  accept(token: Token, generatedSoFar: number): StepAction {
    const vocab = this.#ctx.vocab;
    const phase = this.#parser.phase;
    const tools = this.#tools;
    if (vocab.isEog(token)) {
      // The name grammar only lets EOG through once a whole name is typed: that is where [ARGS] goes.
      if (phase === 'name' && tools !== undefined && tools.names.includes(this.#parser.pendingName.trim())) {
        return this.#injectArgs(token, false);
      }
      return { events: this.#textEvents(this.#decoder.flush()), kept: false, finish: this.endReason() };
    }
    if (token === vocab.toolCallsToken && tools !== undefined && (phase === 'content' || phase === 'after-arguments')) {
      const events = [...this.#textEvents(this.#decoder.flush()), ...this.#flushStop()];
      events.push(...this.#parser.push({ type: 'tool-calls-marker' }));
      this.#enterPhase();
      return { events, kept: true };
    }
    if (phase === 'after-arguments') return { events: [], kept: false, finish: 'tool_calls' };
    if (token === vocab.argsToken && phase === 'name') {
      const events = [...this.#textEvents(this.#decoder.flush()), ...this.#parser.push({ type: 'args-marker' })];
      this.#enterPhase();
      return { events, kept: true };
    }
    if (vocab.isNonEogControl(token)) return { events: [], kept: true };

    const text = this.#decoder.push(token);
    if (phase === 'name') {
      // The name grammar allows "[" only after a complete name, as the start of "[ARGS]" spelled in
      // plain characters: put the real control token in its place.
      const cut = text.indexOf('[');
      if (cut !== -1) {
        const events = this.#textEvents(text.slice(0, cut));
        const injected = this.#injectArgs(token, false);
        return { ...injected, events: [...events, ...injected.events] };
      }
    }
    const events = this.#textEvents(text);
    if (this.#stop.stopped) return { events, kept: true, finish: 'stop' };
    if (this.#contentJson?.complete === true) return { events, kept: true, finish: 'stop' };
    const now = this.#parser.phase;
    if (now === 'name' && tools !== undefined) {
      const name = this.#parser.pendingName.trim();
      const complete = tools.names.includes(name);
      const ambiguous = tools.names.some((n) => n.length > name.length && n.startsWith(name));
      // The sampled token plus [ARGS] must both fit the budget; otherwise the run ends on 'length'.
      if (complete && !ambiguous && generatedSoFar + 2 <= this.#maxTokens) {
        const injected = this.#injectArgs(token, true);
        return { ...injected, events: [...events, ...injected.events] };
      }
    }
    if (now === 'after-arguments' && phase === 'arguments') {
      this.#enterPhase();
      if (tools?.forced.type === 'named') return { events, kept: true, finish: 'tool_calls' };
    }
    return { events, kept: true };
  }

  /** Ends generation: releases held-back text. */
  finish(): GenerationEvent[] {
    return [...this.#textEvents(this.#decoder.flush()), ...this.#flushStop()];
  }

  #injectArgs(token: Token, keepToken: boolean): StepAction {
    const args = this.#ctx.vocab.argsToken as Token;
    const events = this.#parser.push({ type: 'args-marker' });
    this.#enterPhase();
    return { events, kept: keepToken, injected: args, evaluate: keepToken ? [token, args] : [args] };
  }

  /** Sets grammar and bans for the parser's current phase. */
  #enterPhase(): void {
    const tools = this.#tools;
    switch (this.#parser.phase) {
      case 'name':
        this.grammar = tools === undefined ? undefined : this.#ctx.grammars.state(tools.nameGrammar);
        this.bias = this.#argsAllowed;
        break;
      case 'arguments': {
        const name = this.#parser.startedCalls.at(-1)?.name ?? '';
        const grammar = tools?.argumentGrammars.get(name)?.grammar;
        this.grammar = grammar === undefined ? undefined : this.#ctx.grammars.state(grammar);
        this.bias = this.#noControl;
        break;
      }
      case 'after-arguments':
      case 'content':
        this.grammar = undefined;
        this.bias = this.#toolCallsAllowed;
        break;
    }
  }

  #textEvents(text: string): GenerationEvent[] {
    if (text === '') return [];
    const input: ParserInput = { type: 'text', text };
    const parsed = this.#tools === undefined ? [{ type: 'content', text } as ParsedEvent] : this.#parser.push(input);
    const out: GenerationEvent[] = [];
    for (const event of parsed) {
      if (event.type !== 'content') {
        out.push(...this.#flushStop(), event);
        continue;
      }
      if (this.#stop.stopped) continue;
      const { emit } = this.#stop.push(event.text);
      if (emit !== '') {
        this.#contentJson?.push(emit);
        this.#content += emit;
        out.push({ type: 'content', text: emit });
      }
    }
    return out;
  }

  #flushStop(): GenerationEvent[] {
    const rest = this.#stop.flush();
    if (rest === '') return [];
    this.#contentJson?.push(rest);
    this.#content += rest;
    return [{ type: 'content', text: rest }];
  }
}

function banned(model: LlamaModel, tokens: readonly Token[]): TokenBias {
  const bias = new TokenBias(model.tokenizer);
  if (tokens.length > 0) bias.set([...tokens], 'never');
  return bias;
}
