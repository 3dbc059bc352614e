/**
 * Grammars that constrain sampling: any JSON object, a JSON schema (a tool's parameters or
 * response_format json_schema), and the set of tool names.
 *
 * Schemas go through our own compiler (`../grammar/`), which writes GBNF whose language is inside the
 * schema except where it reports a keyword it cannot express; those are logged once per tool and
 * schema, and the grammar still accepts every valid instance there.
 */
import { type Llama, type LlamaGrammar, LlamaGrammarEvaluationState, type LlamaModel } from 'node-llama-cpp';
import type { Logger } from '../../lib/logger.ts';
import { describeWidening } from '../grammar/compile-context.ts';
import { compileJsonSchema, genericObjectGrammar } from '../grammar/schema-compiler.ts';

const MAX_CACHED = 256;

export interface SchemaGrammar {
  grammar: LlamaGrammar;
  /** False when the grammar accepts more than the schema somewhere (see the warning logged for it). */
  exact: boolean;
}

/** Whose schema it is, for the log. */
export type SchemaOwner = { tool: string } | { responseFormat: string };

interface CompiledEntry extends SchemaGrammar {
  /** Keywords the grammar does not express, with where they are. */
  widened: { keyword: string; path: string }[];
}

export class GrammarProvider {
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #logger: Logger;
  #json: Promise<LlamaGrammar> | undefined;
  readonly #schemas = new Map<string, Promise<CompiledEntry>>();
  readonly #names = new Map<string, Promise<LlamaGrammar>>();
  readonly #warned = new Map<string, true>();

  constructor(llama: Llama, model: LlamaModel, logger: Logger) {
    this.#llama = llama;
    this.#model = model;
    this.#logger = logger;
  }

  /** Any JSON object (response_format json_object, and the stand-in when a grammar fails to build). */
  json(): Promise<LlamaGrammar> {
    this.#json ??= this.#llama.createGrammar({ grammar: genericObjectGrammar() });
    return this.#json;
  }

  /** A tool's arguments: an object per its `parameters` schema (any object when it has none). */
  forToolArguments(tool: string, parameters: Record<string, unknown> | undefined): Promise<SchemaGrammar> {
    return this.#forSchema(asObjectSchema(parameters), { tool });
  }

  forResponseSchema(name: string, schema: Record<string, unknown>): Promise<SchemaGrammar> {
    return this.#forSchema(schema, { responseFormat: name });
  }

  /**
   * One of `names` followed by `nameEnd`, the control-token text the tool-call format puts after a name
   * (`[ARGS]` in Devstral's). llama.cpp matches a control token against a grammar by its text, so the
   * control token satisfies the literal: the model can end the name the way it was trained to, which also
   * settles names that are prefixes of other names.
   */
  forNames(names: readonly string[], nameEnd: string): Promise<LlamaGrammar> {
    const key = JSON.stringify([names, nameEnd]);
    let entry = this.#names.get(key);
    if (entry === undefined) {
      const alternatives = names.map((n) => JSON.stringify(n)).join(' | ');
      entry = this.#llama.createGrammar({ grammar: `root ::= (${alternatives}) ${JSON.stringify(nameEnd)}` });
      remember(this.#names, key, entry);
    }
    return entry;
  }

  /** A fresh evaluation state (one per constrained span of a response). */
  state(grammar: LlamaGrammar): LlamaGrammarEvaluationState {
    return new LlamaGrammarEvaluationState({ model: this.#model, grammar });
  }

  async #forSchema(schema: Record<string, unknown>, owner: SchemaOwner): Promise<SchemaGrammar> {
    const key = JSON.stringify(schema);
    let entry = this.#schemas.get(key);
    if (entry === undefined) {
      entry = this.#compile(schema, owner);
      remember(this.#schemas, key, entry);
    }
    const { grammar, exact, widened } = await entry;
    const warnKey = JSON.stringify([owner, key]);
    if (widened.length > 0 && !this.#warned.has(warnKey)) {
      remember(this.#warned, warnKey, true);
      this.#logger.warn('schema keywords the grammar does not enforce; outputs may break them there', {
        ...owner,
        keywords: [...new Set(widened.map((w) => w.keyword))],
        at: widened.map(describeWidening),
      });
    }
    return { grammar, exact };
  }

  async #compile(schema: Record<string, unknown>, owner: SchemaOwner): Promise<CompiledEntry> {
    const compiled = compileJsonSchema(schema);
    try {
      const grammar = await this.#llama.createGrammar({ grammar: compiled.grammar });
      return { grammar, exact: compiled.widenings.length === 0, widened: compiled.widenings };
    } catch (error) {
      // A grammar llama.cpp refuses is a compiler bug; any JSON object still keeps the output parseable.
      this.#logger.error('schema grammar rejected by llama.cpp; using any JSON object', {
        ...owner,
        error: error instanceof Error ? error.message : String(error),
      });
      return { grammar: await this.json(), exact: false, widened: [] };
    }
  }
}

/** Tool arguments are an object: a schema that does not say so gets `type: object`. */
function asObjectSchema(parameters: Record<string, unknown> | undefined): Record<string, unknown> {
  if (parameters === undefined) return { type: 'object' };
  const combined = ['$ref', 'anyOf', 'oneOf', 'allOf'].some((k) => k in parameters);
  return parameters.type === undefined && !combined ? { ...parameters, type: 'object' } : parameters;
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
