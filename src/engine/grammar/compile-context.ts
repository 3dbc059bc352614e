/**
 * What the per-type grammar builders share with the schema compiler.
 *
 * The compiler's promise: every text the grammar accepts is an instance of the schema, except where a
 * widening is recorded. A keyword the grammar cannot express is never silently ignored: the subschema
 * that holds it is compiled without it (or as any JSON value), which still accepts every valid
 * instance, and the widening is reported so the caller can log it. Restricting to a subset (16-digit
 * integers, a fixed property order, compact enum objects) needs no report: every output stays valid.
 */
import type { GbnfRules } from './gbnf.ts';

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

export const ALL_TYPES: ReadonlySet<JsonType> = new Set<JsonType>(['object', 'array', 'string', 'number', 'boolean', 'null']);

export interface Compiled {
  /** A rule name: usable wherever one GBNF item is. */
  rule: string;
  /** JSON types the rule can produce. */
  types: ReadonlySet<JsonType>;
  /** For enum/const: the exact JSON texts it produces. */
  literals?: ReadonlySet<string>;
}

export interface Widening {
  /** JSON pointer of the subschema, e.g. `/properties/files/items`. */
  path: string;
  keyword: string;
}

export interface CompileContext {
  readonly rules: GbnfRules;
  /** Compiles a subschema found at `path`; undefined when no value satisfies it. */
  compile(schema: unknown, path: string): Compiled | undefined;
  /** Records that the grammar at `path` accepts more than the schema allows because of `keyword`. */
  widen(path: string, keyword: string): void;
}

export type SchemaObject = Record<string, unknown>;

/** `/properties/path pattern` (`/` for the root). */
export function describeWidening(w: Widening): string {
  return `${w.path || '/'} ${w.keyword}`;
}

/** Rule name stem for a subschema path (`/properties/files/items` → `files-items`). */
export function ruleStem(path: string): string {
  const parts = path
    .split('/')
    .filter((p) => p !== '' && p !== 'properties' && p !== '$defs' && p !== 'definitions')
    .map((p) => p.replace(/[^A-Za-z0-9]+/g, '-'));
  return parts.length === 0 ? 'root-value' : parts.slice(-3).join('-');
}

/** Appends a JSON-pointer segment. */
export function child(path: string, ...segments: (string | number)[]): string {
  return path + segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** A finite, non-negative integer keyword value (minLength, minItems, …), else undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
