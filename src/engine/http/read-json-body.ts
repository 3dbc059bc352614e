/**
 * Reads a JSON request body with a size cap: 413 before reading when Content-Length is too large,
 * 413 while reading when a chunked body grows past it, 400 when it is not JSON or nests too deep.
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
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new InvalidRequestError(`The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels.`, { code: 'invalid_json' });
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body; it stays out of responses and logs.
    throw new InvalidRequestError('The request body is not valid JSON.', { code: 'invalid_json' });
  }
}

/**
 * Real requests nest a dozen levels (tool schemas included). JSON.parse copes with any depth, but the
 * validation, the template and JSON.stringify after it recurse per level: a body of 100k brackets would
 * overflow the stack and end as a 500.
 */
export const MAX_JSON_DEPTH = 128;

/** The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count); linear, no recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
