/**
 * Small statistics for benchmark samples. Medians, not means: on a shared 2-core machine one stalled run
 * (another process waking up) must not move the figure.
 */

export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function maxOf(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? Number.NaN : Math.max(...finite);
}

/**
 * Decode rate over the tokens after the first: the first token's time belongs to prompt processing
 * (TTFT), so both sides of a comparison are measured from first token to last.
 */
export function decodeRate(tokens: number, firstTokenAt: number, lastTokenAt: number): number {
  const span = lastTokenAt - firstTokenAt;
  if (tokens < 2 || span <= 0) return Number.NaN;
  return ((tokens - 1) * 1000) / span;
}

/**
 * Secondary estimators for a ratio of two interleaved series (a[i] and b[i] measured back to back):
 * the median of per-pair ratios, and the ratio of the best runs (each side's least disturbed run).
 */
export function pairedRatios(a: readonly number[], b: readonly number[]): { paired: number; best: number } {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a[i]! / b[i]!);
  return { paired: median(ratios), best: maxOf(a) / maxOf(b) };
}
