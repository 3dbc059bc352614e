/**
 * Per-request steering of sampled tokens: tool-call phases of the model's format (content → name →
 * arguments → after-arguments), the grammar and token bans for each phase, whole-character text, stop
 * strings and response_format JSON completion.
 */
import { type LlamaGrammarEvaluationState, type LlamaModel, type Token, TokenBias } from 'node-llama-cpp';
import { JsonValueScanner } from '../chat/json-value-scanner.ts';
import { StopMatcher } from '../chat/stop-matcher.ts';
import { DEFAULT_TOOL_CALL_FORMAT } from '../chat/tool-call-formats.ts';
import type { ParsedEvent, ParserInput, ToolCallParser } from '../chat/tool-call-parser.ts';
import type { RunContext } from './generation-run.ts';
import type { ToolSyntax } from './model-chat.ts';
import { forcedInputs, type PreparedRequest, type ToolPlan } from './prepared-request.ts';
import { TokenTextDecoder } from './token-text-decoder.ts';
import type { FinishReason, GenerationEvent, ToolCall } from './types.ts';

export interface StepAction {
  events: GenerationEvent[];
  /** The sampled token is part of the output (and counts toward the budget). */
  kept: boolean;
  /** Tokens the engine adds after it (the format's syntax between a name and its arguments); they count too. */
  injected?: Token[];
  /** Tokens to evaluate next instead of the sampled one. */
  evaluate?: Token[];
  finish?: FinishReason;
}

/** Per-request state machine: parsing, grammars, token bans, stop strings. */
export class Steering {
  readonly #ctx: RunContext;
  readonly #req: PreparedRequest;
  readonly #tools: ToolPlan | undefined;
  readonly #syntax: ToolSyntax | undefined;
  readonly #parser: ToolCallParser;
  readonly #decoder: TokenTextDecoder;
  readonly #stop: StopMatcher;
  readonly #contentJson: JsonValueScanner | undefined;
  readonly #initialEvents: ParsedEvent[] = [];
  readonly #noControl: TokenBias;
  readonly #callAllowed: TokenBias;
  readonly #nameEndAllowed: TokenBias;
  readonly #maxTokens: number;
  #content = '';
  grammar: LlamaGrammarEvaluationState | undefined;
  bias: TokenBias;

  constructor(ctx: RunContext, req: PreparedRequest) {
    this.#ctx = ctx;
    // Tools are planned only for models with a tool syntax (request-preparer.ts).
    const syntax = req.tools === undefined ? undefined : ctx.toolSyntax;
    this.#tools = syntax === undefined ? undefined : req.tools;
    this.#syntax = syntax;
    this.#maxTokens = req.maxTokens;
    const format = ctx.toolSyntax?.format ?? DEFAULT_TOOL_CALL_FORMAT;
    this.#req = req;
    this.#parser = format.createParser((inOutput) =>
      inOutput === undefined ? format.newCallId(req.callSeed(this.#parser.startedCalls.length)) : req.clientCallId(inOutput),
    );
    this.#decoder = new TokenTextDecoder((tokens) => ctx.model.detokenize(tokens, false));
    this.#stop = new StopMatcher(req.sampling.stop);
    const controls = ctx.vocab.nonEogControlTokens;
    this.#noControl = req.kind === 'completion' ? new TokenBias(ctx.model.tokenizer) : banned(ctx.model, controls);
    const allowing = (token: Token | undefined): TokenBias =>
      token === undefined
        ? this.#noControl
        : banned(
            ctx.model,
            controls.filter((t) => t !== token),
          );
    this.#callAllowed = allowing(syntax?.call);
    this.#nameEndAllowed = allowing(syntax?.nameEnd);
    this.bias = this.#noControl;
    if (req.contentGrammar !== undefined) {
      this.#contentJson = new JsonValueScanner();
      this.grammar = ctx.grammars.state(req.contentGrammar);
    } else if (this.#tools !== undefined) {
      this.bias = this.#callAllowed;
    }
    const forced = this.#tools?.forced;
    if (syntax !== undefined && forced !== undefined && forced.type !== 'none') {
      for (const input of forcedInputs(forced, syntax.format)) this.#initialEvents.push(...this.#parser.push(input));
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
    const syntax = this.#syntax;
    if (vocab.isEog(token)) {
      // The name grammar only lets EOG through once a whole name is typed: that is where the name ends.
      if (phase === 'name' && tools !== undefined && tools.names.includes(this.#parser.pendingName.trim())) {
        return this.#completeName(this.#nameSuffix(), token, false);
      }
      return { events: this.#textEvents(this.#decoder.flush()), kept: false, finish: this.endReason() };
    }
    if (syntax !== undefined && token === syntax.call && (phase === 'content' || phase === 'after-arguments')) {
      const events = [...this.#textEvents(this.#decoder.flush()), ...this.#flushStop()];
      events.push(...this.#parser.push({ type: 'marker', marker: 'call' }));
      this.#enterPhase();
      return { events, kept: true };
    }
    if (phase === 'after-arguments') return { events: [], kept: false, finish: 'tool_calls' };
    if (syntax !== undefined && token === syntax.nameEnd && phase === 'name') {
      // The model ends the name itself; the engine writes the rest of the syntax (with the id, if any).
      const events = this.#textEvents(this.#decoder.flush());
      const completed = this.#completeName(this.#nameSuffix(), token, false);
      return { ...completed, events: [...events, ...completed.events] };
    }
    if (vocab.isNonEogControl(token)) return { events: [], kept: true };

    const text = this.#decoder.push(token);
    if (phase === 'name') {
      // The name grammar allows "[" only after a complete name, as the start of the name-end marker spelled
      // in plain characters: put the real syntax in its place.
      const cut = text.indexOf('[');
      if (cut !== -1) {
        const events = this.#textEvents(text.slice(0, cut));
        const completed = this.#completeName(this.#nameSuffix(), token, false);
        return { ...completed, events: [...events, ...completed.events] };
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
      // The sampled token plus the syntax after the name must fit the budget; otherwise the run ends on 'length'.
      const suffix = complete && !ambiguous ? this.#nameSuffix() : undefined;
      if (suffix !== undefined && generatedSoFar + 1 + suffix.tokens.length <= this.#maxTokens) {
        const completed = this.#completeName(suffix, token, true);
        return { ...completed, events: [...events, ...completed.events] };
      }
    }
    if (now === 'after-arguments' && phase === 'arguments') {
      this.#enterPhase();
      if (tools?.singleCall === true) return { events, kept: true, finish: 'tool_calls' };
    }
    return { events, kept: true };
  }

  /** Ends generation: releases held-back text. */
  finish(): GenerationEvent[] {
    return [...this.#textEvents(this.#decoder.flush()), ...this.#flushStop()];
  }

  /** The format's syntax from a complete name to the arguments, with a fresh id where the format has ids. */
  #nameSuffix(): { inputs: ParserInput[]; tokens: Token[] } {
    const syntax = this.#syntax as ToolSyntax;
    const inputs = syntax.format.nameSuffix(syntax.format.newCallId(this.#req.callSeed(this.#parser.startedCalls.length)));
    return { inputs, tokens: syntax.tokensOf(inputs) };
  }

  #completeName(suffix: { inputs: ParserInput[]; tokens: Token[] }, token: Token, keepToken: boolean): StepAction {
    const events = suffix.inputs.flatMap((input) => this.#parser.push(input));
    this.#enterPhase();
    return { events, kept: keepToken, injected: suffix.tokens, evaluate: keepToken ? [token, ...suffix.tokens] : suffix.tokens };
  }

  /** Sets grammar and bans for the parser's current phase. */
  #enterPhase(): void {
    const tools = this.#tools;
    switch (this.#parser.phase) {
      case 'name':
        this.grammar = tools === undefined ? undefined : this.#ctx.grammars.state(tools.nameGrammar);
        this.bias = this.#nameEndAllowed;
        break;
      case 'call-id':
        // Only passed through while the engine writes an id itself.
        this.grammar = undefined;
        this.bias = this.#noControl;
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
        this.bias = this.#callAllowed;
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
