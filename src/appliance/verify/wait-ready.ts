/** Bounded wait for the engine's /readyz (the model may take minutes to load on a big VM). */
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitForReady(url: string, timeoutMs: number, isAlive: () => Promise<boolean> = async () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (!(await isAlive())) throw new Error(`the engine stopped while loading the model (${url}: ${last}); see its log`);
    await sleep(250);
  }
  throw new Error(`the engine was not ready after ${Math.round(timeoutMs / 1000)} s (${url}: ${last})`);
}
