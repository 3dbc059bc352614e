/**
 * `prepare()`: renders a chat request with the model's template (or tokenizes a raw completion
 * prompt), appends what tool_choice forces, checks the context size and clamps the token budget.
 */
import type { Token } from 'node-llama-cpp';
import { ContextLengthExceededError, InvalidRequestError } from '../api/api-errors.ts';
import type { ChatPromptRenderer } from '../chat/chat-prompt.ts';
import type { GrammarProvider, SchemaGrammar } from './grammar-provider.ts';
import type { ModelVocab } from './model-vocab.ts';
import { PreparedRequest, type ToolPlan } from './prepared-request.ts';
import type { GenerationInput, ResponseFormat, ToolChoice, ToolDefinition } from './types.ts';

export interface PreparerDeps {
  contextSize: number;
  vocab: ModelVocab;
  renderer: ChatPromptRenderer;
  grammars: GrammarProvider;
  /** Prepend BOS to raw completion prompts (the model's `add_bos_token`). */
  prependBos: boolean;
  bosToken: Token | null;
}

export async function prepareRequest(input: GenerationInput, deps: PreparerDeps): Promise<PreparedRequest> {
  // One cell stays free for the first generated token.
  const budget = deps.contextSize - 1;
  const param = input.kind === 'completion' ? 'prompt' : 'messages';
  const overflow = (atLeast: number, exact: boolean) => new ContextLengthExceededError(deps.contextSize, atLeast, param, !exact);
  let tokens: Token[];
  let tools: ToolPlan | undefined;
  let contentGrammar: PreparedRequest['contentGrammar'];
  if (input.kind === 'completion') {
    // Like llama-server, control-token text in a raw prompt is parsed as control tokens: FIM prompts
    // (<|fim_prefix|>…) depend on it, and the client owns the whole prompt anyway.
    const bos = deps.prependBos && deps.bosToken !== null ? 1 : 0;
    const prompt = deps.vocab.tokenizeWithin([{ text: input.prompt, literal: false }], budget - bos);
    if (!prompt.fits) throw overflow(prompt.atLeast + bos, prompt.exact);
    tokens = prompt.tokens;
    if (bos === 1 && deps.bosToken !== null && tokens[0] !== deps.bosToken) tokens.unshift(deps.bosToken);
    if (tokens.length === 0) throw new InvalidRequestError('The prompt is empty.', { param: 'prompt' });
  } else {
    if (input.messages.length === 0) throw new InvalidRequestError('messages must not be empty.', { param: 'messages' });
    const useTools = input.tools.length > 0 && input.toolChoice.type !== 'none';
    const rendered = deps.vocab.tokenizeWithin(
      deps.renderer.render({ messages: input.messages, tools: useTools ? input.tools : [] }),
      budget,
    );
    // Before any grammar is compiled: thousands of tool schemas that cannot fit cost nothing more.
    if (!rendered.fits) throw overflow(rendered.atLeast, rendered.exact);
    tokens = rendered.tokens;
    if (useTools) {
      tools = await planTools(input.tools, input.toolChoice, deps);
      for (const token of forcedPrefix(tools, deps.vocab)) tokens.push(token);
    }
    contentGrammar = await responseGrammar(input.responseFormat, deps.grammars);
  }
  if (tokens.length > budget) throw overflow(tokens.length, true);
  const remaining = deps.contextSize - tokens.length;
  const maxTokens = Math.max(1, Math.min(input.sampling.maxTokens ?? remaining, remaining));
  return new PreparedRequest({ kind: input.kind, tokens, maxTokens, sampling: input.sampling, tools, contentGrammar });
}

async function planTools(defs: readonly ToolDefinition[], choice: ToolChoice, deps: PreparerDeps): Promise<ToolPlan | undefined> {
  if (deps.vocab.toolCallsToken === undefined || deps.vocab.argsToken === undefined) return undefined;
  const names = [...new Set(defs.map((d) => d.name))];
  if (choice.type === 'function' && !names.includes(choice.name)) {
    throw new InvalidRequestError(`tool_choice names "${choice.name}", which is not one of the declared tools.`, {
      param: 'tool_choice',
    });
  }
  const argumentGrammars = new Map<string, SchemaGrammar>();
  for (const def of defs) argumentGrammars.set(def.name, await deps.grammars.forSchema(def.parameters));
  const forced: ToolPlan['forced'] =
    choice.type === 'required' ? { type: 'call' } : choice.type === 'function' ? { type: 'named', name: choice.name } : { type: 'none' };
  return { names, argumentGrammars, nameGrammar: await deps.grammars.forNames(names), forced };
}

function forcedPrefix(tools: ToolPlan | undefined, vocab: ModelVocab): Token[] {
  if (tools === undefined || vocab.toolCallsToken === undefined || vocab.argsToken === undefined) return [];
  switch (tools.forced.type) {
    case 'none':
      return [];
    case 'call':
      return [vocab.toolCallsToken];
    case 'named':
      return [vocab.toolCallsToken, ...vocab.tokenizeText(tools.forced.name, false), vocab.argsToken];
  }
}

async function responseGrammar(format: ResponseFormat, grammars: GrammarProvider) {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return grammars.json();
    case 'json_schema':
      return (await grammars.forSchema(format.schema)).grammar;
  }
}
