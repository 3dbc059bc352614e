/**
 * JSON Schema → GBNF for llama.cpp, written for the schemas coding clients send as tool parameters
 * (Cline, Continue) and for response_format json_schema.
 *
 * Covered exactly: type (one or a list), enum, const, properties/required/additionalProperties,
 * items/minItems/maxItems, minLength/maxLength, integer and number bounds, anyOf, oneOf whose
 * branches are disjoint, allOf of one schema, local $ref (`#`, `#/$defs/…`, `#/definitions/…`,
 * recursion included). Annotations ($schema, title, description, default, examples, …) and unknown
 * keywords are ignored. Everything else is widened and reported (see compile-context.ts).
 */

import { compileArray } from './array-grammar.ts';
import {
  ALL_TYPES,
  type CompileContext,
  type Compiled,
  child,
  type JsonType,
  ruleStem,
  type SchemaObject,
  type Widening,
} from './compile-context.ts';
import { alt, GbnfRules, literal } from './gbnf.ts';
import { JSON_RULE_NAMES, jsonRule } from './json-gbnf.ts';
import { compileInteger, compileNumber } from './number-grammar.ts';
import { compileObject } from './object-grammar.ts';
import { arrayOf, isSchemaObject, keywordTypes, type SchemaKeyword, schemaKeywordOf, widenUnexpressed } from './schema-keywords.ts';
import { compileString } from './string-grammar.ts';

export interface CompiledSchema {
  /** GBNF text with a `root` rule. */
  grammar: string;
  /** Where the grammar accepts more than the schema; empty when it is exact. */
  widenings: Widening[];
}

/** Compiles `schema`; never throws on schema content (what it cannot express is widened). */
export function compileJsonSchema(schema: unknown): CompiledSchema {
  const compiler = new SchemaCompiler(schema);
  let root = compiler.compile(schema, '');
  if (root === undefined) {
    compiler.widen('', 'unsatisfiable');
    root = { rule: jsonRule(compiler.rules, 'value'), types: ALL_TYPES };
  }
  compiler.rules.set('root', root.rule);
  return { grammar: compiler.rules.toString(), widenings: compiler.widenings };
}

/** Any JSON object, with the same bounded whitespace as compiled schemas. */
export function genericObjectGrammar(): string {
  const rules = new GbnfRules(JSON_RULE_NAMES);
  rules.set('root', jsonRule(rules, 'object'));
  return rules.toString();
}

const TYPE_ORDER: readonly JsonType[] = ['object', 'array', 'string', 'number', 'boolean', 'null'];

class SchemaCompiler implements CompileContext {
  readonly rules = new GbnfRules(['root', ...JSON_RULE_NAMES]);
  readonly widenings: Widening[] = [];
  readonly #root: unknown;
  readonly #refs = new Map<string, string | null>();

  constructor(root: unknown) {
    this.#root = root;
  }

  widen(path: string, keyword: string): void {
    this.widenings.push({ path, keyword });
  }

  compile(schema: unknown, path: string): Compiled | undefined {
    if (schema === true) return this.#any();
    if (schema === false) return undefined;
    if (!isSchemaObject(schema)) {
      this.widen(path, 'schema');
      return this.#any();
    }
    const keywords = Object.keys(schema).map(schemaKeywordOf);
    if (schema.$ref !== undefined) return this.#ref(schema, path, keywords);
    const combinators = keywords.filter((k) => k === 'anyOf' || k === 'oneOf' || k === 'allOf');
    if (combinators.length > 0) {
      const constraints = keywords.some((k) => k !== null && k !== 'anyOf' && k !== 'oneOf' && k !== 'allOf');
      if (!constraints && combinators.length === 1) return this.#combinator(schema, path, combinators[0] as SchemaKeyword);
      // A combinator next to other constraints (or another combinator) would need an intersection:
      // keep the rest and drop the combinators, which only widens.
      const rest: SchemaObject = { ...schema };
      const dropped = constraints ? combinators : combinators.slice(1);
      for (const k of dropped) {
        this.widen(path, k);
        delete rest[k];
      }
      return this.compile(rest, path);
    }
    if ('const' in schema || 'enum' in schema) return this.#literals(schema, path);
    return this.#typed(schema, path, keywords);
  }

  #any(): Compiled {
    return { rule: jsonRule(this.rules, 'value'), types: ALL_TYPES };
  }

  #ref(schema: SchemaObject, path: string, keywords: (SchemaKeyword | null)[]): Compiled | undefined {
    for (const k of keywords) if (k !== null && k !== '$ref') this.widen(path, k);
    const ref = schema.$ref;
    const target = typeof ref === 'string' ? resolveLocalRef(this.#root, ref) : undefined;
    if (typeof ref !== 'string' || target === undefined) {
      this.widen(path, '$ref');
      return this.#any();
    }
    let rule = this.#refs.get(ref);
    if (rule === undefined) {
      // Reserve the name first: the target may refer to itself.
      const name = this.rules.reserve(`ref-${ruleStem(ref.slice(1)) || 'root'}`);
      this.#refs.set(ref, name);
      const compiled = this.compile(target, ref.slice(1));
      if (compiled === undefined) {
        this.#refs.set(ref, null);
        return undefined;
      }
      this.rules.set(name, compiled.rule);
      rule = name;
    }
    return rule === null ? undefined : { rule, types: ALL_TYPES };
  }

  #combinator(schema: SchemaObject, path: string, keyword: SchemaKeyword): Compiled | undefined {
    const branches = arrayOf(schema[keyword]);
    if (branches === undefined || branches.length === 0) {
      this.widen(path, keyword);
      return this.#any();
    }
    if (keyword === 'allOf') {
      if (branches.length > 1) this.widen(path, 'allOf');
      // One conjunct accepts at least everything all of them do.
      return this.compile(branches[0], child(path, 'allOf', 0));
    }
    const compiled = branches.map((b, i) => this.compile(b, child(path, keyword, i))).filter((c): c is Compiled => c !== undefined);
    if (compiled.length === 0) return undefined;
    if (keyword === 'oneOf' && !pairwiseDisjoint(compiled)) this.widen(path, 'oneOf');
    const types = new Set(compiled.flatMap((c) => [...c.types]));
    const rule =
      compiled.length === 1
        ? (compiled[0] as Compiled).rule
        : this.rules.share(`${ruleStem(path)}-${keyword}`, alt(compiled.map((c) => c.rule)));
    return { rule, types };
  }

  #literals(schema: SchemaObject, path: string): Compiled | undefined {
    const values = 'const' in schema ? [schema.const] : (arrayOf(schema.enum) ?? []);
    const allowed = declaredTypes(schema);
    const texts = new Set<string>();
    const types = new Set<JsonType>();
    for (const value of values) {
      const type = jsonTypeOf(value);
      if (type === undefined) continue;
      const integerAllowed = type === 'number' && allowed?.has('integer') === true && Number.isInteger(value);
      if (allowed !== undefined && !allowed.has(type) && !integerAllowed) continue;
      texts.add(JSON.stringify(value));
      types.add(type);
    }
    for (const k of Object.keys(schema).map(schemaKeywordOf)) {
      // Other constraints next to enum/const are not checked against the values: report them.
      if (k !== null && k !== 'const' && k !== 'enum' && k !== 'type') this.widen(path, k);
    }
    if (texts.size === 0) return undefined;
    const rule = this.rules.share(`${ruleStem(path)}-enum`, alt([...texts].map(literal)));
    return { rule, types, literals: texts };
  }

  #typed(schema: SchemaObject, path: string, keywords: (SchemaKeyword | null)[]): Compiled | undefined {
    widenUnexpressed(this, schema, path, 'any');
    const declared = declaredTypes(schema);
    if (declared !== undefined && declared.size === 0) {
      this.widen(path, 'type');
      return this.#any();
    }
    // Without `type`, a schema's type-specific keywords pick its type (a subset: other types would pass too).
    const inferred = declared ?? new Set(keywords.flatMap((k) => (k === null ? [] : keywordTypes(k))));
    if (inferred.size === 0) return this.#any();
    const options: Compiled[] = [];
    for (const type of TYPE_ORDER) {
      if (!inferred.has(type) && !(type === 'number' && inferred.has('integer'))) continue;
      const compiled = this.#ofType(type === 'number' && !inferred.has('number') ? 'integer' : type, schema, path);
      if (compiled !== undefined) options.push(compiled);
    }
    if (options.length === 0) return undefined;
    if (options.length === 1) return options[0];
    return {
      rule: this.rules.share(`${ruleStem(path)}-types`, alt(options.map((o) => o.rule))),
      types: new Set(options.flatMap((o) => [...o.types])),
    };
  }

  #ofType(type: JsonType | 'integer', schema: SchemaObject, path: string): Compiled | undefined {
    switch (type) {
      case 'object':
        return compileObject(this, schema, path);
      case 'array':
        return compileArray(this, schema, path);
      case 'string':
        return compileString(this, schema, path);
      case 'integer':
        return compileInteger(this, schema, path);
      case 'number':
        return compileNumber(this, schema, path);
      case 'boolean':
        return { rule: jsonRule(this.rules, 'boolean'), types: new Set(['boolean']) };
      case 'null':
        return { rule: jsonRule(this.rules, 'null'), types: new Set(['null']) };
    }
  }
}

/** `type` as a set (integer kept apart from number); undefined when absent or not understood. */
function declaredTypes(schema: SchemaObject): Set<JsonType | 'integer'> | undefined {
  const raw = typeof schema.type === 'string' ? [schema.type] : arrayOf(schema.type);
  if (raw === undefined) return undefined;
  const known = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'];
  return new Set(raw.filter((t): t is JsonType | 'integer' => typeof t === 'string' && known.includes(t)));
}

function jsonTypeOf(value: unknown): JsonType | undefined {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isFinite(value) ? 'number' : undefined;
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'object';
    default:
      return undefined;
  }
}

/** True when no JSON value can match two branches (so oneOf is the same as anyOf). */
function pairwiseDisjoint(branches: readonly Compiled[]): boolean {
  for (let i = 0; i < branches.length; i++) {
    for (let j = i + 1; j < branches.length; j++) {
      const a = branches[i] as Compiled;
      const b = branches[j] as Compiled;
      const typesDisjoint = ![...a.types].some((t) => b.types.has(t));
      const literalsDisjoint = a.literals !== undefined && b.literals !== undefined && ![...a.literals].some((l) => b.literals?.has(l));
      if (!typesDisjoint && !literalsDisjoint) return false;
    }
  }
  return true;
}

/** The subschema a local `$ref` (`#`, `#/…` JSON pointer) points at, or undefined. */
function resolveLocalRef(root: unknown, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
