/**
 * The engine's internal form of `PreparedGeneration`: the prompt tokens plus the plan that steers
 * generation (which tool-call syntax to parse, what is forced, which grammars apply).
 */
import type { LlamaGrammar, Token } from 'node-llama-cpp';
import type { ToolCallFormat } from '../chat/tool-call-format.ts';
import type { ParserInput } from '../chat/tool-call-parser.ts';
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
   * What the prompt already forces: 'none' (model decides), 'call' (prompt ends with the call marker),
   * or the named tool (prompt ends with the call marker, the name, and the id section if the format has one,
   * up to the arguments marker; `id` is the call's id).
   */
  forced: { type: 'none' } | { type: 'call' } | { type: 'named'; name: string; id: string };
  /** At most one call: tool_choice names a function, or parallel_tool_calls is false. */
  singleCall: boolean;
}

export function callSeed(promptSeed: string, index: number): string {
  return `${promptSeed}:${index}`;
}

/** The tool-call syntax a forced `tool_choice` puts at the end of the prompt. */
export function forcedInputs(forced: ToolPlan['forced'], format: ToolCallFormat): ParserInput[] {
  switch (forced.type) {
    case 'none':
      return [];
    case 'call':
      return [{ type: 'marker', marker: 'call' }];
    case 'named':
      return [{ type: 'marker', marker: 'call' }, { type: 'text', text: forced.name }, ...format.nameSuffix(forced.id)];
  }
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
  /** Call id shown in the prompt → the client's id, for ids changed to fit the template. */
  readonly callIds: ReadonlyMap<string, string>;
  /** Names this prompt in the ids of new calls (see ToolCallFormat.newCallId). */
  readonly callIdSeed: string;

  constructor(fields: {
    kind: 'chat' | 'completion';
    tokens: Token[];
    maxTokens: number;
    sampling: SamplingParams;
    tools: ToolPlan | undefined;
    contentGrammar: LlamaGrammar | undefined;
    callIds?: ReadonlyMap<string, string>;
    callIdSeed?: string;
  }) {
    this.kind = fields.kind;
    this.tokens = fields.tokens;
    this.maxTokens = fields.maxTokens;
    this.sampling = fields.sampling;
    this.tools = fields.tools;
    this.contentGrammar = fields.contentGrammar;
    this.callIds = fields.callIds ?? new Map();
    this.callIdSeed = fields.callIdSeed ?? '';
  }

  /**
   * The id to give the client for a call id read from the output: the client's own when it is one the
   * prompt showed in place of theirs, else unchanged.
   */
  clientCallId(idInOutput: string): string {
    return this.callIds.get(idInOutput) ?? idInOutput;
  }

  /** The seed for the id of the call at `index` of the response. */
  callSeed(index: number): string {
    return callSeed(this.callIdSeed, index);
  }

  get promptTokens(): number {
    return this.tokens.length;
  }
}
