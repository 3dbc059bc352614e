/**
 * `object` subschemas: `properties`, `required`, `additionalProperties` (false, true or a schema).
 *
 * Declared properties come in declared order; each optional one may be left out, so every subset of
 * the optional properties can be written (a subset of valid objects: key order is fixed). Additional
 * properties follow the declared ones, with keys that repeat no declared name.
 *
 * Without `additionalProperties`, an object that declares `properties` gets only those: JSON Schema
 * would allow any other key, but for tool arguments an undeclared key is the model inventing one
 * (outputs stay valid either way). An object schema that declares nothing stays open.
 *
 * `patternProperties` is widened to "any additional key and value"; `minProperties`,
 * `maxProperties`, `propertyNames` and the dependent-* keywords are not expressed (reported).
 */
import { type CompileContext, type Compiled, child, ruleStem, type SchemaObject } from './compile-context.ts';
import { alt, literal, seq } from './gbnf.ts';
import { jsonRule } from './json-gbnf.ts';
import { keyNotIn } from './key-exclusion.ts';
import { widenUnexpressed } from './schema-keywords.ts';

const OBJECT: Compiled['types'] = new Set(['object']);

interface Member {
  name: string;
  required: boolean;
  value: string;
}

export function compileObject(ctx: CompileContext, s: SchemaObject, path: string): Compiled | undefined {
  widenUnexpressed(ctx, s, path, 'object');
  const properties = isRecord(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : []);

  let extraValue: string | undefined;
  let extrasAllowed: boolean;
  if ('patternProperties' in s) {
    ctx.widen(path, 'patternProperties');
    extrasAllowed = true;
    extraValue = jsonRule(ctx.rules, 'value');
  } else if (s.additionalProperties === false) {
    extrasAllowed = false;
  } else if (s.additionalProperties === undefined) {
    extrasAllowed = !('properties' in s);
    if (extrasAllowed) extraValue = jsonRule(ctx.rules, 'value');
  } else if (s.additionalProperties === true) {
    extrasAllowed = true;
    extraValue = jsonRule(ctx.rules, 'value');
  } else {
    extraValue = ctx.compile(s.additionalProperties, child(path, 'additionalProperties'))?.rule;
    extrasAllowed = extraValue !== undefined;
  }

  const members: Member[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    const value = ctx.compile(schema, child(path, 'properties', name))?.rule;
    if (value !== undefined) members.push({ name, required: required.has(name), value });
    else if (required.has(name)) return undefined;
    // An optional property no value satisfies is simply never written.
  }
  for (const name of required) {
    if (name in properties) continue;
    // Required but not declared: it is an additional property that must be present.
    if (s.additionalProperties === false) return undefined;
    members.push({ name, required: true, value: extraValue ?? jsonRule(ctx.rules, 'value') });
  }

  const stem = ruleStem(path);
  const ws = jsonRule(ctx.rules, 'ws');
  const sp = jsonRule(ctx.rules, 'sp');
  // `after` = what may follow once a member was written; `first` = what may come when none was yet.
  let after = ws;
  let first = '';
  if (extrasAllowed && extraValue !== undefined) {
    const key = keyNotIn(
      ctx.rules,
      members.map((m) => m.name),
      stem,
    );
    const extra = seq(key, sp, '":"', sp, extraValue);
    after = ctx.rules.share(`${stem}-extra`, `(${ws} "," ${ws} ${extra})* ${ws}`);
    first = `(${extra} ${after})?`;
  }
  for (let i = members.length - 1; i >= 0; i--) {
    const m = members[i] as Member;
    const kv = seq(literal(JSON.stringify(m.name)), sp, '":"', sp, m.value);
    const withThis = seq(kv, after);
    first = ctx.rules.share(`${stem}-from-${i}`, m.required ? withThis : first === '' ? `(${withThis})?` : alt([withThis, first]));
    // Only a member before this one can be followed by it.
    if (i > 0)
      after = ctx.rules.share(`${stem}-after-${i}`, m.required ? seq(ws, '","', ws, kv, after) : seq(`(${ws} "," ${ws} ${kv})?`, after));
  }
  return { rule: ctx.rules.share(`${stem}-object`, seq('"{"', ws, first, '"}"')), types: OBJECT };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
