/**
 * A/B then B/A on alternate rounds: the slow phases of a noisy shared machine then hit both sides of a
 * comparison alike, and neither side always runs on the other's warm caches.
 */
export async function inAlternatingOrder(round: number, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  if (round % 2 === 0) {
    await a();
    await b();
  } else {
    await b();
    await a();
  }
}
