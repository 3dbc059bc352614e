/**
 * A `fetch` for the openai SDK that trusts exactly the appliance's CA (its self-signed certificate), built
 * on our CA-pinned client: the SDK's own transport would only trust the system CAs.
 */
import { Readable } from 'node:stream';
import { request } from '../../../src/lib/https/request.ts';

export function fetchWithCa(ca: string | Buffer): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const body = init?.body === undefined || init.body === null ? undefined : await new Response(init.body).text();
    const res = await request({
      url,
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(headers.entries()),
      ...(body !== undefined ? { body } : {}),
      ca,
      signal: init?.signal ?? undefined,
    });
    const responseHeaders = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Our client hands the body over as text; a fetch Response carries bytes.
    const encoder = new TextEncoder();
    const bytes = Readable.from(
      (async function* () {
        for await (const chunk of res.body) yield encoder.encode(chunk);
      })(),
    );
    return new Response(Readable.toWeb(bytes) as ReadableStream<Uint8Array>, {
      status: res.status,
      statusText: res.body.statusMessage ?? '',
      headers: responseHeaders,
    });
  }) as typeof fetch;
}
