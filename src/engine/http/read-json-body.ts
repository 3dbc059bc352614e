/**
 * Reads a JSON request body with a size cap: 413 before reading when Content-Length is too large,
 * 413 while reading when a chunked body grows past it, 400 when it is not JSON.
 */
import { InvalidRequestError, PayloadTooLargeError } from '../api/api-errors.ts';

export async function readJsonBody(request: Request, limitBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limitBytes) {
        await reader.cancel().catch(() => {});
        throw new PayloadTooLargeError(limitBytes);
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new InvalidRequestError('The request body is empty; send a JSON object.', { code: 'invalid_json' });
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body; it stays out of responses and logs.
    throw new InvalidRequestError('The request body is not valid JSON.', { code: 'invalid_json' });
  }
}
