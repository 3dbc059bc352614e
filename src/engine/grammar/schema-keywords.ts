/**
 * The JSON Schema (2020-12 and draft-07/04) keywords that constrain instances, and the instance type
 * each type-specific one applies to. Everything else — annotations ($schema, title, description,
 * default, examples, …), structure ($defs, $id, $comment) and vendor keywords — constrains nothing.
 */
import type { JsonType, SchemaObject } from './compile-context.ts';

const BY_TYPE = {
  object: [
    'properties',
    'required',
    'additionalProperties',
    'patternProperties',
    'minProperties',
    'maxProperties',
    'propertyNames',
    'dependentRequired',
    'dependentSchemas',
    'dependencies',
    'unevaluatedProperties',
  ],
  array: [
    'items',
    'prefixItems',
    'additionalItems',
    'minItems',
    'maxItems',
    'uniqueItems',
    'contains',
    'minContains',
    'maxContains',
    'unevaluatedItems',
  ],
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
} as const satisfies Partial<Record<JsonType, readonly string[]>>;

const GENERAL = ['type', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', '$ref'] as const;

export type SchemaKeyword = (typeof GENERAL)[number] | (typeof BY_TYPE)[keyof typeof BY_TYPE][number];

const TYPE_OF = new Map<string, JsonType>();
for (const [type, keywords] of Object.entries(BY_TYPE)) for (const k of keywords) TYPE_OF.set(k, type as JsonType);
const KNOWN = new Set<string>([...GENERAL, ...TYPE_OF.keys()]);

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
