/**
 * Grammars that constrain sampling: generic JSON, a tool's JSON schema, and the set of tool names.
 *
 * node-llama-cpp's schema compiler implements a subset of JSON Schema with its own semantics (in
 * 3.21.1 it treats every listed property as required, silently drops `anyOf` branches it cannot
 * express, e.g. `{"type":"integer","exclusiveMinimum":0}`, and ignores `required`). A grammar that
 * encodes a different schema than the client's would force wrong arguments, so a schema is compiled
 * only when it stays inside a subset whose meaning matches (see `isExactlyCompilable`); anything else
 * — Cline's anyOf/null/exclusiveMinimum/minLength schemas included — gets the generic JSON grammar,
 * which still guarantees syntactically valid arguments.
 */
import { type Llama, type LlamaGrammar, LlamaGrammarEvaluationState, type LlamaModel } from 'node-llama-cpp';
import type { Logger } from '../../lib/logger.ts';

const MAX_CACHED = 256;

export interface SchemaGrammar {
  grammar: LlamaGrammar;
  /** False when the generic JSON grammar stands in for the schema. */
  exact: boolean;
}

export class GrammarProvider {
  readonly #llama: Llama;
  readonly #model: LlamaModel;
  readonly #logger: Logger;
  #json: Promise<LlamaGrammar> | undefined;
  readonly #schemas = new Map<string, Promise<SchemaGrammar>>();
  readonly #names = new Map<string, Promise<LlamaGrammar>>();

  constructor(llama: Llama, model: LlamaModel, logger: Logger) {
    this.#llama = llama;
    this.#model = model;
    this.#logger = logger;
  }

  json(): Promise<LlamaGrammar> {
    this.#json ??= this.#llama.getGrammarFor('json');
    return this.#json;
  }

  forSchema(schema: Record<string, unknown> | undefined): Promise<SchemaGrammar> {
    const key = JSON.stringify(schema ?? null);
    let entry = this.#schemas.get(key);
    if (entry === undefined) {
      entry = this.#compileSchema(schema);
      remember(this.#schemas, key, entry);
    }
    return entry;
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

  async #compileSchema(schema: Record<string, unknown> | undefined): Promise<SchemaGrammar> {
    if (schema !== undefined && isExactlyCompilable(schema)) {
      try {
        const grammar = await this.#llama.createGrammarForJsonSchema(schema as never);
        this.state(grammar);
        return { grammar, exact: true };
      } catch (error) {
        this.#logger.warn('tool schema grammar failed to compile; using generic JSON', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    return { grammar: await this.json(), exact: false };
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

const ANNOTATIONS = new Set(['description', 'title', '$schema', 'examples', 'default']);

/**
 * True when node-llama-cpp compiles the schema to exactly the same language: objects whose
 * properties are all required and closed, arrays, strings, numbers, integers, booleans, null, enum
 * and const, with only annotation keywords besides.
 */
export function isExactlyCompilable(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return false;
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (ANNOTATIONS.has(key)) continue;
    if (!['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const'].includes(key)) return false;
  }
  if ('enum' in s) return Array.isArray(s.enum) && s.enum.length > 0 && !('type' in s && s.type === 'object');
  if ('const' in s) return true;
  switch (s.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return !('properties' in s) && !('items' in s);
    case 'array':
      return isExactlyCompilable(s.items);
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      if (typeof props !== 'object' || props === null) return false;
      const names = Object.keys(props);
      const required = Array.isArray(s.required) ? s.required : [];
      if (names.length === 0) return false;
      if (!names.every((n) => required.includes(n))) return false;
      if (s.additionalProperties !== false) return false;
      return names.every((n) => isExactlyCompilable(props[n]));
    }
    default:
      return false;
  }
}
