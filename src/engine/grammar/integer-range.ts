/**
 * The decimal spellings (no leading zeros, no "-0") of every integer in [min, max] as GBNF: the range
 * is cut by digit count, and each equal-length range into a first-digit class followed by free digits,
 * plus the two edge ranges handled digit by digit. An open side stops at 16 digits (JSON.parse is only
 * exact to 2^53), which keeps the language inside the schema.
 */
import { alt, repeat, seq } from './gbnf.ts';
import { MAX_INTEGER_DIGITS } from './json-gbnf.ts';

export const INTEGER_CAP = 10n ** BigInt(MAX_INTEGER_DIGITS) - 1n;

/** GBNF for the integers in [min, max], or undefined when there is none. */
export function integerRange(min: bigint | undefined, max: bigint | undefined): string | undefined {
  const lo = min === undefined || min < -INTEGER_CAP ? -INTEGER_CAP : min;
  const hi = max === undefined || max > INTEGER_CAP ? INTEGER_CAP : max;
  if (lo > hi) return undefined;
  const options: string[] = [];
  if (lo < 0n) {
    const magnitudes = nonNegative(hi < 0n ? -hi : 1n, -lo);
    options.push(seq('"-"', alt(magnitudes)));
  }
  if (hi >= 0n) options.push(...nonNegative(lo < 0n ? 0n : lo, hi));
  return alt(options);
}

function nonNegative(a: bigint, b: bigint): string[] {
  const out: string[] = [];
  if (a === 0n) {
    out.push('"0"');
    if (b === 0n) return out;
    a = 1n;
  }
  // Digit counts whose numbers are all in range share one alternative: [1-9] [0-9]{m,n}.
  let fullFrom: number | undefined;
  const flushFull = (through: number) => {
    if (fullFrom !== undefined) out.push(seq('[1-9]', repeat('[0-9]', fullFrom - 1, through - 1)));
    fullFrom = undefined;
  };
  const digitsB = b.toString().length;
  for (let n = a.toString().length; n <= digitsB; n++) {
    const first = 10n ** BigInt(n - 1);
    const last = 10n ** BigInt(n) - 1n;
    const from = a > first ? a : first;
    const to = b < last ? b : last;
    if (from === first && to === last) {
      fullFrom ??= n;
      continue;
    }
    flushFull(n - 1);
    out.push(...sameLength(from.toString(), to.toString()));
  }
  flushFull(digitsB);
  return out;
}

/** Sequences for the numbers between two spellings of equal length (lo ≤ hi). */
function sameLength(lo: string, hi: string): string[] {
  if (lo.length === 0) return [''];
  const a = Number(lo[0]);
  const b = Number(hi[0]);
  const restLo = lo.slice(1);
  const restHi = hi.slice(1);
  const n = restLo.length;
  if (a === b) return sameLength(restLo, restHi).map((s) => seq(`"${a}"`, s));
  const out: string[] = [];
  let from = a;
  let to = b;
  if (!/^0*$/.test(restLo)) {
    out.push(...sameLength(restLo, '9'.repeat(n)).map((s) => seq(`"${a}"`, s)));
    from++;
  }
  const upper = /^9*$/.test(restHi) ? [] : sameLength('0'.repeat(n), restHi).map((s) => seq(`"${b}"`, s));
  if (upper.length > 0) to--;
  if (from <= to) out.push(seq(from === to ? `"${from}"` : `[${from}-${to}]`, n === 0 ? '' : n === 1 ? '[0-9]' : `[0-9]{${n}}`));
  out.push(...upper);
  return out;
}
