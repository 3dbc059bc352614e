/**
 * API key check: `Authorization: Bearer <key>` or `x-api-key: <key>`. Keys are compared as SHA-256
 * digests with `timingSafeEqual` (equal lengths by construction), against every key without an early
 * exit, so timing reveals neither a key's content nor which key matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The key a request presents, or undefined. */
export function presentedKey(headers: Headers): string | undefined {
  const auth = headers.get('authorization');
  if (auth !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const header = headers.get('x-api-key');
  return header === null ? undefined : header.trim();
}

export interface ApiKeyCheck {
  /** True for any key when no keys are configured (auth off). */
  accepts(key: string | undefined): boolean;
}

export function createApiKeyCheck(keys: readonly string[]): ApiKeyCheck {
  const digests = keys.map(digest);
  return {
    accepts(key) {
      if (digests.length === 0) return true;
      if (key === undefined || key === '') return false;
      const candidate = digest(key);
      let ok = false;
      for (const d of digests) ok = timingSafeEqual(d, candidate) || ok;
      return ok;
    },
  };
}
