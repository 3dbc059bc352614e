/**
 * The JSON Schema (2020-12 and draft-07/04) keywords that constrain instances, and the instance type
 * each type-specific one applies to. Everything else — annotations ($schema, title, description,
 * default, examples, …), structure ($defs, $id, $comment) and vendor keywords — constrains nothing.
 */
import type { CompileContext, JsonType, SchemaObject } from './compile-context.ts';

/** Per instance type: keywords the grammar expresses, and those it leaves out (widening, reported). */
const BY_TYPE = {
  object: {
    expressed: ['properties', 'required', 'additionalProperties', 'patternProperties'],
    unexpressed: [
      'minProperties',
      'maxProperties',
      'propertyNames',
      'dependentRequired',
      'dependentSchemas',
      'dependencies',
      'unevaluatedProperties',
    ],
  },
  array: {
    expressed: ['items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems'],
    unexpressed: ['uniqueItems', 'contains', 'minContains', 'maxContains', 'unevaluatedItems'],
  },
  string: { expressed: ['minLength', 'maxLength'], unexpressed: ['pattern', 'format'] },
  number: { expressed: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'], unexpressed: ['multipleOf'] },
} as const;

const GENERAL = {
  expressed: ['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref'],
  unexpressed: ['not', 'if', 'then', 'else'],
} as const;

type Typed = (typeof BY_TYPE)[keyof typeof BY_TYPE];
export type SchemaKeyword = (typeof GENERAL)[keyof typeof GENERAL][number] | Typed['expressed'][number] | Typed['unexpressed'][number];

const TYPE_OF = new Map<string, JsonType>();
for (const [type, { expressed, unexpressed }] of Object.entries(BY_TYPE)) {
  for (const k of [...expressed, ...unexpressed]) TYPE_OF.set(k, type as JsonType);
}
const KNOWN = new Set<string>([...GENERAL.expressed, ...GENERAL.unexpressed, ...TYPE_OF.keys()]);

/** Reports each keyword of `schema` that applies to `type` (or to any type) and that the grammar leaves out. */
export function widenUnexpressed(ctx: CompileContext, schema: SchemaObject, path: string, type: keyof typeof BY_TYPE | 'any'): void {
  const keywords = type === 'any' ? GENERAL.unexpressed : BY_TYPE[type].unexpressed;
  for (const k of keywords) if (k in schema) ctx.widen(path, k);
}

/** The keyword if it constrains instances, else null. */
export function schemaKeywordOf(key: string): SchemaKeyword | null {
  return KNOWN.has(key) ? (key as SchemaKeyword) : null;
}

/** The instance types a keyword applies to (empty for general keywords). */
export function keywordTypes(keyword: SchemaKeyword): JsonType[] {
  const type = TYPE_OF.get(keyword);
  return type === undefined ? [] : [type];
}

export function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function arrayOf(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}
