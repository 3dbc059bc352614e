/**
 * The bootstrap self-test: what a client does, through nginx. HTTPS verified against the served
 * certificate (or its CA), the API key, one short streamed chat completion that must end with [DONE].
 */
import { edgeRequest } from './https-client.ts';

export interface SelfTestInput {
  /** e.g. https://127.0.0.1:443 — loopback, so the test does not depend on the VM's routing. */
  origin: string;
  servername: string;
  ca: string | Buffer | undefined;
  apiKey: string;
  modelId: string;
  timeoutMs: number;
}

export interface SelfTestOutcome {
  ok: boolean;
  detail: string;
}

export async function selfTest(input: SelfTestInput): Promise<SelfTestOutcome> {
  try {
    const res = await edgeRequest({
      origin: input.origin,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { authorization: `Bearer ${input.apiKey}` },
      body: JSON.stringify({ model: input.modelId, stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'Say OK.' }] }),
      ...(input.ca !== undefined ? { ca: input.ca } : {}),
      servername: input.servername,
      timeoutMs: input.timeoutMs,
    });
    if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status} from the edge: ${res.body.slice(0, 300)}` };
    const events = res.body.split('\n').filter((l) => l.startsWith('data: '));
    const chunks = events.filter((l) => l !== 'data: [DONE]').length;
    if (!events.includes('data: [DONE]')) return { ok: false, detail: `the stream ended without [DONE] after ${chunks} chunks` };
    if (events.some((l) => l.includes('"error"'))) return { ok: false, detail: `the stream carried an error: ${res.body.slice(0, 300)}` };
    return {
      ok: true,
      detail: `HTTPS + key + streamed completion through nginx: ${chunks} chunks, first byte after ${Math.round(res.firstByteMs ?? 0)} ms, done after ${Math.round(res.totalMs)} ms`,
    };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
