/**
 * Stop functions of every benchmark child still running, so that an interrupted benchmark (Ctrl-C,
 * SIGTERM) never leaves a server or nginx behind.
 */
const live = new Set<() => Promise<unknown>>();

export function trackChild(stop: () => Promise<unknown>): () => void {
  live.add(stop);
  return () => live.delete(stop);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...live].map((stop) => stop().catch(() => undefined)));
}
