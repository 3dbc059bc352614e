/**
 * `integer` and `number` subschemas with their bounds (`minimum`, `maximum`, and `exclusiveMinimum`
 * / `exclusiveMaximum` both as numbers and in draft-04's boolean form).
 *
 * Integers are exact within ±(10^16 − 1). A bounded `number` is written as integers in range, plus a
 * fraction after a non-negative integer part k when all of [k, k+1) is in range; exponents and
 * negative fractions are left out there. Both are subsets, so every output is in range. `multipleOf`
 * is not expressed (reported).
 */
import type { CompileContext, Compiled, SchemaObject } from './compile-context.ts';
import { alt, seq } from './gbnf.ts';
import { INTEGER_CAP, integerRange } from './integer-range.ts';
import { jsonRule } from './json-gbnf.ts';
import { widenUnexpressed } from './schema-keywords.ts';

const NUMBER: Compiled['types'] = new Set(['number']);

interface IntegerBounds {
  /** Smallest integer allowed. */
  lo: bigint | undefined;
  /** Largest integer allowed. */
  hi: bigint | undefined;
  /** Largest k whose k.fraction values are all below the upper bound (numbers only). */
  fractionHi: bigint | undefined;
}

export function compileInteger(ctx: CompileContext, s: SchemaObject, path: string): Compiled | undefined {
  widenUnexpressed(ctx, s, path, 'number');
  const { lo, hi } = boundsOf(s);
  if (lo === undefined && hi === undefined) return { rule: jsonRule(ctx.rules, 'integer'), types: NUMBER };
  const body = integerRange(lo, hi);
  if (body === undefined) return undefined;
  return { rule: ctx.rules.share(`integer-${lo ?? 'n'}-${hi ?? 'n'}`, body), types: NUMBER };
}

export function compileNumber(ctx: CompileContext, s: SchemaObject, path: string): Compiled | undefined {
  widenUnexpressed(ctx, s, path, 'number');
  const { lo, hi, fractionHi } = boundsOf(s);
  if (lo === undefined && hi === undefined) return { rule: jsonRule(ctx.rules, 'number'), types: NUMBER };
  const whole = integerRange(lo, hi);
  if (whole === undefined) return undefined;
  const options = [whole];
  const fractionLo = lo === undefined || lo < 0n ? 0n : lo;
  const fractionTop = fractionHi ?? INTEGER_CAP - 1n;
  const fractionPart = fractionLo <= fractionTop ? integerRange(fractionLo, fractionTop) : undefined;
  if (fractionPart !== undefined) options.push(seq(fractionPart, '"."', '[0-9]{1,16}'));
  return { rule: ctx.rules.share(`number-${lo ?? 'n'}-${hi ?? 'n'}`, alt(options)), types: NUMBER };
}

function boundsOf(s: SchemaObject): IntegerBounds {
  let lo: bigint | undefined;
  let hi: bigint | undefined;
  let fractionHi: bigint | undefined;
  const raise = (v: bigint) => {
    if (lo === undefined || v > lo) lo = v;
  };
  const cap = (v: bigint, fraction: bigint) => {
    if (hi === undefined || v < hi) hi = v;
    if (fractionHi === undefined || fraction < fractionHi) fractionHi = fraction;
  };
  const min = finite(s.minimum);
  const max = finite(s.maximum);
  if (min !== undefined) {
    // draft-04: exclusiveMinimum is a boolean that makes `minimum` exclusive.
    if (s.exclusiveMinimum === true) raise(BigInt(Math.floor(min)) + 1n);
    else raise(BigInt(Math.ceil(min)));
  }
  if (max !== undefined) {
    if (s.exclusiveMaximum === true) cap(BigInt(Math.ceil(max)) - 1n, BigInt(Math.floor(max)) - 1n);
    else cap(BigInt(Math.floor(max)), BigInt(Math.floor(max)) - 1n);
  }
  const exMin = finite(s.exclusiveMinimum);
  if (exMin !== undefined) raise(BigInt(Math.floor(exMin)) + 1n);
  const exMax = finite(s.exclusiveMaximum);
  if (exMax !== undefined) cap(BigInt(Math.ceil(exMax)) - 1n, BigInt(Math.floor(exMax)) - 1n);
  return { lo, hi, fractionHi };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
