/**
 * `prepare()`: renders a chat request with the model's template (or tokenizes a raw completion
 * prompt), appends what tool_choice forces, checks the context size and clamps the token budget.
 */
import { createHash } from 'node:crypto';
import type { Token } from 'node-llama-cpp';
import { ContextLengthExceededError, InvalidRequestError } from '../api/api-errors.ts';
import type { ChatPromptRenderer } from '../chat/chat-prompt.ts';
import type { GrammarProvider, SchemaGrammar } from './grammar-provider.ts';
import type { ToolSyntax } from './model-chat.ts';
import type { ModelVocab } from './model-vocab.ts';
import { callSeed, forcedInputs, PreparedRequest, type ToolPlan } from './prepared-request.ts';
import type { GenerationInput, ResponseFormat, ToolChoice, ToolDefinition } from './types.ts';

export interface PreparerDeps {
  contextSize: number;
  vocab: ModelVocab;
  renderer: ChatPromptRenderer;
  /** Undefined when the model has no tool-call syntax: tools are then not offered. */
  toolSyntax: ToolSyntax | undefined;
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
  let callIds: ReadonlyMap<string, string> | undefined;
  let callIdSeed: string | undefined;
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
    const rendered = deps.renderer.render({ messages: input.messages, tools: useTools ? input.tools : [] });
    const budgeted = deps.vocab.tokenizeWithin(rendered.segments, budget);
    // Before any grammar is compiled: thousands of tool schemas that cannot fit cost nothing more.
    if (!budgeted.fits) throw overflow(budgeted.atLeast, budgeted.exact);
    tokens = budgeted.tokens;
    callIds = rendered.callIds;
    callIdSeed = createHash('sha256').update(Uint32Array.from(tokens)).digest('hex');
    const syntax = deps.toolSyntax;
    if (useTools && syntax !== undefined) {
      tools = await planTools(input.tools, input.toolChoice, input.parallelToolCalls !== false, syntax, deps.grammars, callIdSeed);
      for (const token of syntax.tokensOf(forcedInputs(tools.forced, syntax.format))) tokens.push(token);
    }
    contentGrammar = await responseGrammar(input.responseFormat, deps.grammars);
  }
  if (tokens.length > budget) throw overflow(tokens.length, true);
  const remaining = deps.contextSize - tokens.length;
  const maxTokens = Math.max(1, Math.min(input.sampling.maxTokens ?? remaining, remaining));
  return new PreparedRequest({
    kind: input.kind,
    tokens,
    maxTokens,
    sampling: input.sampling,
    tools,
    contentGrammar,
    ...(callIds === undefined ? {} : { callIds }),
    ...(callIdSeed === undefined ? {} : { callIdSeed }),
  });
}

async function planTools(
  defs: readonly ToolDefinition[],
  choice: ToolChoice,
  parallel: boolean,
  syntax: ToolSyntax,
  grammars: GrammarProvider,
  promptSeed: string,
): Promise<ToolPlan> {
  const names = [...new Set(defs.map((d) => d.name))];
  if (choice.type === 'function' && !names.includes(choice.name)) {
    throw new InvalidRequestError(`tool_choice names "${choice.name}", which is not one of the declared tools.`, {
      param: 'tool_choice',
    });
  }
  const argumentGrammars = new Map<string, SchemaGrammar>();
  for (const def of defs) argumentGrammars.set(def.name, await grammars.forToolArguments(def.name, def.parameters));
  const forced: ToolPlan['forced'] =
    choice.type === 'required'
      ? { type: 'call' }
      : choice.type === 'function'
        ? { type: 'named', name: choice.name, id: syntax.format.newCallId(callSeed(promptSeed, 0)) }
        : { type: 'none' };
  return {
    names,
    argumentGrammars,
    nameGrammar: await grammars.forNames(names, syntax.format.nameEnd),
    forced,
    singleCall: forced.type === 'named' || !parallel,
  };
}

async function responseGrammar(format: ResponseFormat, grammars: GrammarProvider) {
  switch (format.type) {
    case 'text':
      return undefined;
    case 'json_object':
      return grammars.json();
    case 'json_schema':
      return (await grammars.forResponseSchema(format.name, format.schema)).grammar;
  }
}
