/**
 * `array` subschemas: `items` (a schema, `true`, or `false`), `minItems` and `maxItems`. A `maxItems`
 * past MAX_REPEAT is lowered to it (a subset). `prefixItems` and the draft-07 tuple form of `items`
 * are widened to "any item"; `uniqueItems` and `contains` are not expressed (reported).
 */
import { type CompileContext, type Compiled, child, count, ruleStem, type SchemaObject } from './compile-context.ts';
import { MAX_REPEAT, repeat, seq } from './gbnf.ts';
import { jsonRule } from './json-gbnf.ts';
import { widenUnexpressed } from './schema-keywords.ts';

const ARRAY: Compiled['types'] = new Set(['array']);

export function compileArray(ctx: CompileContext, s: SchemaObject, path: string): Compiled | undefined {
  widenUnexpressed(ctx, s, path, 'array');
  let min = count(s.minItems) ?? 0;
  const declaredMax = count(s.maxItems);
  if (declaredMax !== undefined && declaredMax < min) return undefined;
  if (min > MAX_REPEAT) {
    ctx.widen(path, 'minItems');
    min = 0;
  }
  let max = declaredMax === undefined ? undefined : Math.min(declaredMax, MAX_REPEAT);

  let item: string | undefined;
  if ('prefixItems' in s || Array.isArray(s.items)) {
    ctx.widen(path, Array.isArray(s.items) ? 'items' : 'prefixItems');
    item = jsonRule(ctx.rules, 'value');
  } else if (s.items === undefined || s.items === true) {
    item = jsonRule(ctx.rules, 'value');
  } else {
    item = ctx.compile(s.items, child(path, 'items'))?.rule;
  }
  if (item === undefined) {
    // No value is a valid item: only the empty array is left.
    if (min > 0) return undefined;
    max = 0;
  }

  const ws = jsonRule(ctx.rules, 'ws');
  let body: string;
  if (max === 0 || item === undefined) {
    body = seq('"["', ws, '"]"');
  } else {
    const more = repeat(`(${ws} "," ${ws} ${item})`, Math.max(0, min - 1), max === undefined ? undefined : max - 1);
    const items = seq(item, more, ws);
    body = min === 0 ? seq('"["', ws, `(${items})?`, '"]"') : seq('"["', ws, items, '"]"');
  }
  return { rule: ctx.rules.share(`${ruleStem(path)}-array`, body), types: ARRAY };
}
