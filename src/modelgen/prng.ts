/**
 * Seeded, portable pseudo-random numbers for weight generation. Every tensor gets its own stream derived
 * from (seed, tensor name), so a file's bytes depend only on its inputs and never on generation order.
 */

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: small, fast and good enough for weights; returns floats in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream of uniform values with standard deviation `std`, keyed by seed and label. */
export function uniformStream(seed: number, label: string, std: number): () => number {
  const rng = createRng(fnv1a(`${seed >>> 0}:${label}`));
  const half = std * Math.sqrt(3);
  return () => (rng() * 2 - 1) * half;
}
