/**
 * The bootstrap self-test: what a client does, through nginx. HTTPS verified against the served
 * certificate (or its CA), the API key, one short streamed chat completion that must say something,
 * finish and end with [DONE].
 */
import { chatStreamProblem, readChatStream } from '../../lib/https/chat-stream.ts';
import { request } from '../../lib/https/request.ts';

export interface SelfTestInput {
  /** e.g. https://127.0.0.1:443 — loopback, so the test does not depend on the VM's routing. */
  origin: string;
  servername: string;
  ca: string | Buffer | undefined;
  apiKey: string;
  modelId: string;
  timeoutMs: number;
}

/** What the report and the state file keep of a self-test. */
export interface SelfTestResult {
  ok: boolean;
  detail: string;
}

/**
 * Greedy, so a boot never passes or fails by chance; with the usage frame, so a model whose answer renders as
 * nothing (a stand-in that only knows how to call tools) still proves that it generated.
 */
export const SELF_TEST_BODY = (model: string) => ({
  model,
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0,
  max_tokens: 8,
  messages: [{ role: 'user', content: 'Say OK.' }],
});

export async function selfTest(input: SelfTestInput): Promise<SelfTestResult> {
  const started = performance.now();
  try {
    const res = await request({
      url: new URL('/v1/chat/completions', input.origin),
      method: 'POST',
      headers: { authorization: `Bearer ${input.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(SELF_TEST_BODY(input.modelId)),
      ca: input.ca,
      servername: input.servername,
      timeoutMs: input.timeoutMs,
    });
    if (res.status !== 200) return { ok: false, detail: `HTTP ${res.status} from the edge: ${(await res.text()).slice(0, 300)}` };
    const stream = await readChatStream(res.body);
    const problem = chatStreamProblem(stream);
    if (problem !== undefined) return { ok: false, detail: problem };
    const deltas = stream.contentDeltas + stream.toolCallDeltas;
    return {
      ok: true,
      detail: `HTTPS + key + streamed completion through nginx: ${deltas} deltas, ${stream.usage?.completion_tokens ?? '?'} tokens generated, finish_reason ${stream.finishReason}, first delta after ${Math.round(stream.firstDeltaAt - started)} ms, done after ${Math.round(performance.now() - started)} ms`,
    };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}
