/** Bounded wait for the engine's /readyz (the model may take minutes to load on a big VM). */
import { requestText } from '../../lib/https/request.ts';
import { waitUntil } from '../../lib/process/wait-until.ts';

export async function waitForReady(url: string, timeoutMs: number, isAlive: () => Promise<boolean> = async () => true): Promise<void> {
  let last = 'no answer yet';
  await waitUntil(
    `the engine to load the model (${url})`,
    async () => {
      try {
        const res = await requestText({ url, timeoutMs: 5_000 });
        if (res.status === 200) return true;
        last = `HTTP ${res.status}`;
      } catch (e) {
        last = (e as Error).message;
      }
      if (!(await isAlive())) throw new Error(`the engine stopped while loading the model (${url}: ${last}); see its log`);
      return false;
    },
    { timeoutMs, intervalMs: 250, state: () => last },
  );
}
