/** Response and request ids in OpenAI's style (`chatcmpl-…`, `cmpl-…`); random, never derived from input. */
import { randomBytes } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

/** Unix seconds, as OpenAI's `created` field. */
export function unixSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}
