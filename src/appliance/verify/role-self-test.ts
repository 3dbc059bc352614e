/**
 * Bootstrap self-tests of the scale-out roles, each checking what the role promises:
 * - edge: HTTPS with the served certificate, the key required (401 without it), the edge's view served;
 *   no chat request, because OneFlow starts the engines after the edge (they are its children);
 * - engine: the internal credential opens it, the public API key does not.
 */
import { requestText } from '../../lib/https/request.ts';
import type { SelfTestResult } from './self-test.ts';

export async function edgeSelfTest(input: {
  origin: string;
  servername: string;
  ca: string | Buffer | undefined;
  apiKey: string;
  metricsPath: string;
  timeoutMs: number;
}): Promise<SelfTestResult> {
  const get = (headers: Record<string, string>) =>
    requestText({
      url: new URL(input.metricsPath, input.origin),
      headers,
      ca: input.ca,
      servername: input.servername,
      timeoutMs: input.timeoutMs,
    });
  try {
    const anonymous = await get({});
    if (anonymous.status !== 401) return { ok: false, detail: `the edge answered HTTP ${anonymous.status} without the key (want 401)` };
    const keyed = await get({ authorization: `Bearer ${input.apiKey}` });
    if (keyed.status !== 200 || !keyed.body.includes('slm_copilot_edge_engines'))
      return { ok: false, detail: `${input.metricsPath} with the key: HTTP ${keyed.status} ${keyed.body.slice(0, 200)}` };
    const routed = /slm_copilot_edge_engines\{state="routed"\} (\d+)/.exec(keyed.body)?.[1] ?? '0';
    return { ok: true, detail: `edge: TLS and key checked, ${routed} engine(s) routed` };
  } catch (error) {
    return { ok: false, detail: `edge self-test: ${(error as Error).message}` };
  }
}

export async function engineSelfTest(input: {
  address: string;
  internalCredential: string;
  publicKey: string;
  timeoutMs: number;
}): Promise<SelfTestResult> {
  const models = (key: string) =>
    requestText({ url: `http://${input.address}/v1/models`, headers: { authorization: `Bearer ${key}` }, timeoutMs: input.timeoutMs });
  try {
    const internal = await models(input.internalCredential);
    if (internal.status !== 200) return { ok: false, detail: `the internal credential got HTTP ${internal.status} from the engine` };
    const pub = await models(input.publicKey);
    if (pub.status !== 401) return { ok: false, detail: `the public API key got HTTP ${pub.status} from the engine (want 401)` };
    return { ok: true, detail: `engine on ${input.address}: the internal credential is accepted, the public key refused` };
  } catch (error) {
    return { ok: false, detail: `engine self-test: ${(error as Error).message}` };
  }
}
