/**
 * The engine's internal form of `PreparedGeneration`: the prompt tokens plus the plan that steers
 * generation (which tool-call syntax to parse, what is forced, which grammars apply).
 */
import type { LlamaGrammar, Token } from 'node-llama-cpp';
import type { SchemaGrammar } from './grammar-provider.ts';
import type { PreparedGeneration, SamplingParams } from './types.ts';

export interface ToolPlan {
  /** Declared tool names, in request order. */
  names: string[];
  /** Argument grammar per tool name. */
  argumentGrammars: Map<string, SchemaGrammar>;
  /** Constrains a tool name to one of `names`. */
  nameGrammar: LlamaGrammar;
  /**
   * What the prompt already forces: 'none' (model decides), 'call' (prompt ends with [TOOL_CALLS]),
   * or the named tool (prompt ends with [TOOL_CALLS]name[ARGS]).
   */
  forced: { type: 'none' } | { type: 'call' } | { type: 'named'; name: string };
}

export class PreparedRequest implements PreparedGeneration {
  readonly kind: 'chat' | 'completion';
  readonly tokens: readonly Token[];
  readonly maxTokens: number;
  readonly sampling: SamplingParams;
  /** Undefined when tools are not in play (no tools, tool_choice none, completion). */
  readonly tools: ToolPlan | undefined;
  /** Grammar for the whole content (response_format json_object / json_schema). */
  readonly contentGrammar: LlamaGrammar | undefined;

  constructor(fields: {
    kind: 'chat' | 'completion';
    tokens: Token[];
    maxTokens: number;
    sampling: SamplingParams;
    tools: ToolPlan | undefined;
    contentGrammar: LlamaGrammar | undefined;
  }) {
    this.kind = fields.kind;
    this.tokens = fields.tokens;
    this.maxTokens = fields.maxTokens;
    this.sampling = fields.sampling;
    this.tools = fields.tools;
    this.contentGrammar = fields.contentGrammar;
  }

  get promptTokens(): number {
    return this.tokens.length;
  }
}
