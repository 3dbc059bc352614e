/**
 * Per-request steering of sampled tokens: Devstral tool-call phases (content → name → arguments →
 * after-arguments), the grammar and token bans for each phase, whole-character text, stop strings and
 * response_format JSON completion.
 */
import { type LlamaGrammarEvaluationState, type LlamaModel, type Token, TokenBias } from 'node-llama-cpp';
import { JsonValueScanner } from '../chat/json-value-scanner.ts';
import { StopMatcher } from '../chat/stop-matcher.ts';
import { type ParsedEvent, type ParserInput, ToolCallParser } from '../chat/tool-call-parser.ts';
import type { RunContext } from './generation-run.ts';
import type { PreparedRequest, ToolPlan } from './prepared-request.ts';
import { TokenTextDecoder } from './token-text-decoder.ts';
import type { FinishReason, GenerationEvent, ToolCall } from './types.ts';

export interface StepAction {
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
export class Steering {
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
      req.tools === undefined
        ? this.#noControl
        : banned(
            ctx.model,
            controls.filter((t) => t !== ctx.vocab.toolCallsToken),
          );
    this.#argsAllowed =
      req.tools === undefined
        ? this.#noControl
        : banned(
            ctx.model,
            controls.filter((t) => t !== ctx.vocab.argsToken),
          );
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
