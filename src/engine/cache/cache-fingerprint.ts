/**
 * What a saved KV state is only valid for: the exact model file and the context parameters it was made
 * with. llama.cpp's state loader checks little of this and can crash the process on a mismatch, so every
 * entry carries the fingerprint and nothing is loaded unless it matches.
 *
 * The model hash is the SHA-256 of the whole GGUF. Hashing a 14 GB file takes seconds, so the result is
 * remembered in the cache directory, keyed by the file's identity (path, size, mtime, inode).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.ts';

/** Bumped when the entry layout or anything that changes state bytes for the same inputs changes. */
export const CACHE_FORMAT = 1;

export interface CacheFingerprint {
  format: number;
  modelSha256: string;
  modelBytes: number;
  /** KV cells per sequence as llama.cpp created them (context.contextSize). */
  contextSize: number;
  /** Which llama.cpp build wrote it (its state layout can change between releases). */
  runtime: string;
}

export function sameFingerprint(a: CacheFingerprint, b: CacheFingerprint): boolean {
  return (
    a.format === b.format &&
    a.modelSha256 === b.modelSha256 &&
    a.modelBytes === b.modelBytes &&
    a.contextSize === b.contextSize &&
    a.runtime === b.runtime
  );
}

/** The first field that differs, for the log line of a rejected entry. */
export function fingerprintMismatch(expected: CacheFingerprint, found: Partial<CacheFingerprint>): string | undefined {
  for (const key of ['format', 'modelSha256', 'modelBytes', 'contextSize', 'runtime'] as const) {
    if (expected[key] !== found[key]) return `${key}: entry has ${String(found[key])}, engine has ${String(expected[key])}`;
  }
  return undefined;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface RememberedHash {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/** SHA-256 of the model file, reusing the one remembered in `cacheDir` while the file is unchanged. */
export async function modelFileHash(modelPath: string, cacheDir: string): Promise<{ sha256: string; bytes: number }> {
  const path = resolve(modelPath);
  const info = await stat(path);
  const memo = join(cacheDir, 'model-hash.json');
  try {
    const m = JSON.parse(await readFile(memo, 'utf8')) as RememberedHash;
    if (m.path === path && m.size === info.size && m.mtimeMs === info.mtimeMs && m.ino === info.ino && /^[0-9a-f]{64}$/.test(m.sha256)) {
      return { sha256: m.sha256, bytes: info.size };
    }
  } catch {
    // no memo yet, or unreadable: hash the file
  }
  const sha256 = await sha256OfFile(path);
  const remembered: RememberedHash = { path, size: info.size, mtimeMs: info.mtimeMs, ino: info.ino, sha256 };
  await writeFileAtomic(memo, `${JSON.stringify(remembered)}\n`, { mode: 0o600 }).catch(() => false);
  return { sha256, bytes: info.size };
}
