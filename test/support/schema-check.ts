/**
 * For grammar tests: a compiled schema's real llama.cpp grammar (node-llama-cpp's parser and matcher)
 * side by side with a JSON Schema validator (ajv, draft 2020-12), so a test can state both what the
 * grammar accepts and what the schema allows.
 */

import assert from 'node:assert/strict';
import { before } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { getLlama, type Llama, type LlamaGrammar, LlamaLogLevel } from 'node-llama-cpp';
import { describeWidening, type Widening } from '../../src/engine/grammar/compile-context.ts';
import { compileJsonSchema } from '../../src/engine/grammar/schema-compiler.ts';

export function loadLlama(): Promise<Llama> {
  return getLlama({ build: 'never', gpu: false, skipDownload: true, maxThreads: 1, logLevel: LlamaLogLevel.error });
}

// Strict about unknown keywords and types, but not about legal schemas ajv merely finds unusual.
const ajv = new Ajv2020({ strict: true, strictRequired: false, strictTuples: false, allowUnionTypes: true, allErrors: true });

/** A validator for `schema` (draft 2020-12, strict). */
export function validatorFor(schema: unknown): (value: unknown) => boolean {
  const validate = ajv.compile(schema as object);
  return (value) => validate(value) === true;
}

/** True when the whole of `text` is a sentence of the grammar. */
export function grammarAccepts(grammar: LlamaGrammar, text: string): boolean {
  // node-llama-cpp's own test hook: runs llama.cpp's matcher over the text's code points.
  return (grammar as unknown as { _testText(text: string): boolean })._testText(text);
}

export interface SchemaCheck {
  gbnf: string;
  widenings: Widening[];
  /** The grammar accepts the text. */
  accepts(text: string): boolean;
  /** The text is JSON and an instance of the schema. */
  valid(text: string): boolean;
}

export async function checkSchema(llama: Llama, schema: unknown): Promise<SchemaCheck> {
  const { grammar: gbnf, widenings } = compileJsonSchema(schema);
  const grammar = await llama.createGrammar({ grammar: gbnf });
  let validate: ((value: unknown) => boolean) | undefined;
  return {
    gbnf,
    widenings,
    accepts: (text) => grammarAccepts(grammar, text),
    valid: (text) => {
      validate ??= validatorFor(schema);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return false;
      }
      return validate(value);
    },
  };
}

export interface LanguageCases {
  /** Instances of the schema the grammar must accept. */
  valid?: readonly string[];
  /** Texts the schema rejects (or that are not JSON); the grammar must reject them too. */
  invalid?: readonly string[];
  /** Instances of the schema the grammar leaves out on purpose (a subset: fixed key order, bounded digits, …). */
  outside?: readonly string[];
}

/** Checks each case against both the schema (ajv) and the grammar (llama.cpp); returns the failures. */
export function languageFailures(check: SchemaCheck, cases: LanguageCases): string[] {
  const failures: string[] = [];
  const expect = (text: string, valid: boolean, accepted: boolean) => {
    if (check.valid(text) !== valid) failures.push(`${text}: schema ${valid ? 'should allow' : 'should reject'} it`);
    if (check.accepts(text) !== accepted) failures.push(`${text}: grammar ${accepted ? 'should accept' : 'should reject'} it`);
  };
  for (const t of cases.valid ?? []) expect(t, true, true);
  for (const t of cases.invalid ?? []) expect(t, false, false);
  for (const t of cases.outside ?? []) expect(t, true, false);
  return failures;
}

export interface GrammarTestKit {
  checkSchema(schema: unknown): Promise<SchemaCheck>;
  /** Asserts the cases (see LanguageCases) and the widenings reported, as `path keyword` (`/ pattern`). */
  expectLanguage(schema: unknown, cases: LanguageCases, widened?: string[]): Promise<void>;
}

/** For a grammar test file: loads llama.cpp in a `before` hook, then checks schemas with it. */
export function grammarTestKit(): GrammarTestKit {
  let llama: Llama | undefined;
  before(async () => {
    llama = await loadLlama();
  });
  const check = (schema: unknown) => {
    if (llama === undefined) throw new Error('grammarTestKit: llama.cpp is not loaded yet (use it inside tests)');
    return checkSchema(llama, schema);
  };
  return {
    checkSchema: check,
    async expectLanguage(schema, cases, widened = []) {
      const result = await check(schema);
      assert.deepEqual(languageFailures(result, cases), [], result.gbnf);
      assert.deepEqual(result.widenings.map(describeWidening), widened);
    },
  };
}

/**
 * The schema with a maxLength on every open string and a maxItems on every open array: a subset of the
 * schema's instances. A random model closes strings and arrays only by chance, so sampling tests ask for
 * the capped schema and validate against the original.
 */
export function capOpenLengths(schema: unknown, caps = { string: 8, array: 2 }): unknown {
  const recurse = (s: unknown) => capOpenLengths(s, caps);
  if (Array.isArray(schema)) return schema.map(recurse);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([n, s]) => [n, recurse(s)]));
    } else {
      out[key] = ['enum', 'const', 'default', 'examples'].includes(key) ? value : recurse(value);
    }
  }
  const types = [out.type].flat();
  const min = (key: string) => (typeof out[key] === 'number' ? (out[key] as number) : 0);
  if (types.includes('string') && out.maxLength === undefined) out.maxLength = Math.max(min('minLength'), caps.string);
  if (types.includes('array') && out.maxItems === undefined) out.maxItems = Math.max(min('minItems'), caps.array);
  return out;
}
