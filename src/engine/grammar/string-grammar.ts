/**
 * `string` subschemas: `minLength` and `maxLength` in characters (code points, as JSON Schema counts
 * them; each escape is one character). A `maxLength` past MAX_REPEAT is lowered to it (a subset); a
 * `minLength` past it cannot be written and is reported. `pattern` and `format` are not expressed
 * (reported).
 */
import { type CompileContext, type Compiled, count, type SchemaObject } from './compile-context.ts';
import { MAX_REPEAT } from './gbnf.ts';
import { boundedString } from './json-gbnf.ts';
import { widenUnexpressed } from './schema-keywords.ts';

const STRING: Compiled['types'] = new Set(['string']);

export function compileString(ctx: CompileContext, s: SchemaObject, path: string): Compiled | undefined {
  widenUnexpressed(ctx, s, path, 'string');
  let min = count(s.minLength) ?? 0;
  const declaredMax = count(s.maxLength);
  if (min > MAX_REPEAT) {
    ctx.widen(path, 'minLength');
    min = 0;
  }
  if (declaredMax !== undefined && declaredMax < min) return undefined;
  const max = declaredMax === undefined ? undefined : Math.min(declaredMax, MAX_REPEAT);
  return { rule: boundedString(ctx.rules, min, max), types: STRING };
}
