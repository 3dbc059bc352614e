/**
 * The JSON building blocks every compiled grammar shares, defined on first use.
 *
 * - Whitespace is bounded at every position, so a model cannot spend its budget on blanks: around a
 *   colon at most one space (`sp`); elsewhere nothing, one space, or a newline and up to 24 spaces or
 *   tabs (`ws`). That covers compact JSON, `", "`/`": "` separators and indented JSON.
 * - Strings are JSON strings: no raw control characters, only JSON's escapes, and no `\u` escape of a
 *   UTF-16 surrogate. A surrogate pair would be one character spelled as two escapes, which breaks
 *   minLength/maxLength counting, and a lone one is not valid Unicode.
 * - Numbers and integers are capped at 16 digits (a JSON parser in JavaScript is exact to 2^53), with
 *   at most 16 fraction and 2 exponent digits.
 */
import { type GbnfRules, repeat } from './gbnf.ts';

export type JsonRule = 'ws' | 'sp' | 'char' | 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'value' | 'object' | 'array';

export const JSON_RULE_NAMES: readonly JsonRule[] = [
  'ws',
  'sp',
  'char',
  'string',
  'integer',
  'number',
  'boolean',
  'null',
  'value',
  'object',
  'array',
];

export const MAX_INTEGER_DIGITS = 16;

const HEX = '[0-9a-fA-F]';

const BODIES: Record<JsonRule, (r: (name: JsonRule) => string) => string> = {
  ws: () => `("\\n" [ \\t]{0,24} | " ")?`,
  sp: () => `" "?`,
  char: () => `[^"\\\\\\x00-\\x1f] | "\\\\" (["\\\\/bfnrt] | "u" ([0-9a-cA-CefEF] ${HEX}{3} | [dD] [0-7] ${HEX}{2}))`,
  string: (r) => `"\\"" ${r('char')}* "\\""`,
  integer: () => `"-"? ("0" | [1-9] [0-9]{0,${MAX_INTEGER_DIGITS - 1}})`,
  number: (r) => `${r('integer')} ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?`,
  boolean: () => `"true" | "false"`,
  null: () => `"null"`,
  value: (r) => `${r('object')} | ${r('array')} | ${r('string')} | ${r('number')} | ${r('boolean')} | ${r('null')}`,
  object: (r) => {
    const member = `${r('string')} ${r('sp')} ":" ${r('sp')} ${r('value')}`;
    return `"{" ${r('ws')} (${member} (${r('ws')} "," ${r('ws')} ${member})* ${r('ws')})? "}"`;
  },
  array: (r) => `"[" ${r('ws')} (${r('value')} (${r('ws')} "," ${r('ws')} ${r('value')})* ${r('ws')})? "]"`,
};

/** The name of a shared JSON rule, defining it (and what it uses) in `rules` the first time. */
export function jsonRule(rules: GbnfRules, name: JsonRule): string {
  if (!rules.has(name)) {
    // Set a placeholder first: value → object → value is recursive.
    rules.set(name, '""');
    rules.set(
      name,
      BODIES[name]((n) => jsonRule(rules, n)),
    );
  }
  return name;
}

/** A JSON string of `min` to `max` characters (`max` undefined = unbounded). */
export function boundedString(rules: GbnfRules, min: number, max: number | undefined): string {
  if (min === 0 && max === undefined) return jsonRule(rules, 'string');
  const body = `"\\"" ${repeat(jsonRule(rules, 'char'), min, max)} "\\""`;
  return rules.share(`string-${min}-${max ?? 'n'}`, body);
}
