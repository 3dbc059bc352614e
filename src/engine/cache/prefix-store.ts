/**
 * The disk tier of the prefix cache: one KV state file per cached token prefix, named by a hash of the
 * prefix, with a JSON sidecar that is the commit marker (written last, atomically) and holds the tokens,
 * the state file's size and SHA-256, and the fingerprint of the model and context that made it.
 *
 * Nothing is handed to llama.cpp unless `verify` passed: sidecar parses, fingerprint matches, size and
 * checksum of the state file match. A rejected entry is deleted and logged, never loaded.
 * The store is bounded by a byte budget; the least recently used entries go first. An entry whose
 * tokens are a prefix of a newer entry's is dropped when the newer one is written (the newer serves both).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.ts';
import { type CacheFingerprint, fingerprintMismatch, sha256OfFile } from './cache-fingerprint.ts';

export interface PrefixEntry {
  readonly key: string;
  readonly tokens: readonly number[];
  readonly stateBytes: number;
  readonly stateSha256: string;
  /** Milliseconds since the epoch; persisted as the sidecar's mtime. */
  lastUsed: number;
}

interface Sidecar {
  fingerprint: CacheFingerprint;
  tokens: number[];
  stateBytes: number;
  stateSha256: string;
}

export class CacheEntryRejectedError extends Error {}

export interface PrefixStoreOptions {
  dir: string;
  fingerprint: CacheFingerprint;
  budgetBytes: number;
  logger: Logger;
  now?: () => number;
}

export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function isSidecar(value: unknown): value is Sidecar {
  const v = value as Partial<Sidecar> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.fingerprint === 'object' &&
    Array.isArray(v.tokens) &&
    v.tokens.every((t) => Number.isInteger(t) && t >= 0) &&
    typeof v.stateBytes === 'number' &&
    typeof v.stateSha256 === 'string'
  );
}

async function fileIdentity(path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

export class PrefixStore {
  private readonly entries = new Map<string, PrefixEntry>();
  /**
   * State files this process checksummed itself (at save, or at a full check), by file identity (inode,
   * size, mtime in ns). A file still with that identity has not been written since, so its load skips the
   * second SHA-256 pass; any write, replacement or truncation changes the identity and forces the full check.
   * Not persisted: after a restart every entry is checksummed again before its first load.
   */
  private readonly checked = new Map<string, string>();
  private readonly fingerprintKey: string;
  private readonly now: () => number;
  private readonly options: PrefixStoreOptions;

  private constructor(options: PrefixStoreOptions) {
    this.options = options;
    this.fingerprintKey = createHash('sha256').update(JSON.stringify(options.fingerprint)).digest('hex');
    this.now = options.now ?? Date.now;
  }

  /** Opens (creating) the directory and indexes the entries made for this fingerprint; drops the rest. */
  static async open(options: PrefixStoreOptions): Promise<PrefixStore> {
    const store = new PrefixStore(options);
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    await store.scan();
    await store.evictToBudget();
    return store;
  }

  get dir(): string {
    return this.options.dir;
  }

  get budgetBytes(): number {
    return this.options.budgetBytes;
  }

  get totalBytes(): number {
    let sum = 0;
    for (const e of this.entries.values()) sum += e.stateBytes;
    return sum;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Average state bytes per token over the entries; 0 when there are none. */
  bytesPerToken(): number {
    let bytes = 0;
    let tokens = 0;
    for (const e of this.entries.values()) {
      bytes += e.stateBytes;
      tokens += e.tokens.length;
    }
    return tokens === 0 ? 0 : bytes / tokens;
  }

  /** Most recently used first. */
  list(): PrefixEntry[] {
    return [...this.entries.values()].sort((a, b) => b.lastUsed - a.lastUsed);
  }

  /** The entry sharing the longest prefix with `prompt`, and that length. */
  bestMatch(prompt: readonly number[]): { entry: PrefixEntry; matched: number } | undefined {
    let best: { entry: PrefixEntry; matched: number } | undefined;
    for (const entry of this.entries.values()) {
      const matched = commonPrefix(entry.tokens, prompt);
      if (
        matched > 0 &&
        (best === undefined || matched > best.matched || (matched === best.matched && entry.tokens.length < best.entry.tokens.length))
      ) {
        best = { entry, matched };
      }
    }
    return best;
  }

  /** Whether some entry already holds all of `tokens` (saving them again would add nothing). */
  covers(tokens: readonly number[]): boolean {
    for (const entry of this.entries.values())
      if (entry.tokens.length >= tokens.length && commonPrefix(entry.tokens, tokens) === tokens.length) return true;
    return false;
  }

  /** Whether an entry holds exactly these tokens. */
  holdsExactly(tokens: readonly number[]): boolean {
    const entry = this.entries.get(this.keyOf(tokens));
    return entry !== undefined && entry.tokens.length === tokens.length && commonPrefix(entry.tokens, tokens) === tokens.length;
  }

  statePath(entry: PrefixEntry): string {
    return join(this.options.dir, `${entry.key}.state`);
  }

  private sidecarPath(key: string): string {
    return join(this.options.dir, `${key}.json`);
  }

  private keyOf(tokens: readonly number[]): string {
    return createHash('sha256').update(this.fingerprintKey).update(Uint32Array.from(tokens)).digest('hex').slice(0, 40);
  }

  /**
   * Writes a new entry: `write` puts the state at a temporary path, the store checksums it, renames it into
   * place, then commits the sidecar. Returns undefined when the entry alone exceeds the budget.
   */
  async save(tokens: readonly number[], write: (path: string) => Promise<void>): Promise<PrefixEntry | undefined> {
    const key = this.keyOf(tokens);
    const tmp = join(this.options.dir, `.${key}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await write(tmp);
      const stateBytes = (await stat(tmp)).size;
      if (stateBytes > this.options.budgetBytes) {
        this.options.logger.info('prefix cache: state larger than the whole budget, not kept', { tokens: tokens.length, stateBytes });
        return undefined;
      }
      const stateSha256 = await sha256OfFile(tmp);
      await rename(tmp, join(this.options.dir, `${key}.state`));
      this.checked.set(key, await fileIdentity(join(this.options.dir, `${key}.state`)));
      const sidecar: Sidecar = { fingerprint: this.options.fingerprint, tokens: [...tokens], stateBytes, stateSha256 };
      const sidecarTmp = `${tmp}.json`;
      await writeFile(sidecarTmp, JSON.stringify(sidecar), { mode: 0o600 });
      await rename(sidecarTmp, this.sidecarPath(key));
      const entry: PrefixEntry = { key, tokens: [...tokens], stateBytes, stateSha256, lastUsed: this.now() };
      this.entries.set(key, entry);
      for (const other of [...this.entries.values()]) {
        if (other !== entry && other.tokens.length <= tokens.length && commonPrefix(other.tokens, tokens) === other.tokens.length) {
          await this.remove(other);
        }
      }
      await this.evictToBudget();
      return this.entries.get(key);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /**
   * Checks an entry against its files right before it is loaded: sidecar, fingerprint, size, SHA-256.
   * Throws CacheEntryRejectedError (after deleting the entry) when anything is off.
   */
  async verify(entry: PrefixEntry): Promise<string> {
    const path = this.statePath(entry);
    const reason = await this.problemWith(entry, path);
    if (reason !== undefined) {
      this.options.logger.warn('prefix cache: entry rejected, not loaded', { entry: entry.key, reason });
      await this.remove(entry);
      throw new CacheEntryRejectedError(reason);
    }
    return path;
  }

  private async problemWith(entry: PrefixEntry, path: string): Promise<string | undefined> {
    let sidecar: unknown;
    try {
      sidecar = JSON.parse(await readFile(this.sidecarPath(entry.key), 'utf8'));
    } catch (error) {
      return `sidecar unreadable: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!isSidecar(sidecar)) return 'sidecar malformed';
    const mismatch = fingerprintMismatch(this.options.fingerprint, sidecar.fingerprint);
    if (mismatch !== undefined) return `foreign entry (${mismatch})`;
    if (commonPrefix(sidecar.tokens, entry.tokens) !== entry.tokens.length || sidecar.tokens.length !== entry.tokens.length) {
      return 'tokens changed on disk';
    }
    const size = await stat(path).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== sidecar.stateBytes || size !== entry.stateBytes) return `state file size ${size}, expected ${entry.stateBytes}`;
    const identity = await fileIdentity(path);
    if (this.checked.get(entry.key) === identity && sidecar.stateSha256 === entry.stateSha256) return undefined;
    const sha = await sha256OfFile(path);
    if (sha !== sidecar.stateSha256 || sha !== entry.stateSha256) return 'state file checksum mismatch';
    this.checked.set(entry.key, identity);
    return undefined;
  }

  /** Marks an entry used now (LRU order survives restarts through the sidecar's mtime). */
  async touch(entry: PrefixEntry): Promise<void> {
    entry.lastUsed = this.now();
    const t = new Date(entry.lastUsed);
    await utimes(this.sidecarPath(entry.key), t, t).catch(() => undefined);
  }

  async remove(entry: PrefixEntry): Promise<void> {
    this.entries.delete(entry.key);
    this.checked.delete(entry.key);
    await rm(this.sidecarPath(entry.key), { force: true });
    await rm(this.statePath(entry), { force: true });
  }

  private async evictToBudget(): Promise<void> {
    let total = this.totalBytes;
    for (const entry of this.list().reverse()) {
      if (total <= this.options.budgetBytes) break;
      total -= entry.stateBytes;
      this.options.logger.info('prefix cache: evicted (LRU, over budget)', { entry: entry.key, tokens: entry.tokens.length });
      await this.remove(entry);
    }
  }

  private async scan(): Promise<void> {
    const names = await readdir(this.options.dir);
    const sidecars = new Set(names.filter((n) => n.endsWith('.json') && n !== 'model-hash.json').map((n) => n.slice(0, -5)));
    for (const name of names) {
      // Leftovers of an interrupted save, and state files whose sidecar never got written.
      if (name.endsWith('.tmp') || (name.endsWith('.state') && !sidecars.has(name.slice(0, -6)))) {
        await rm(join(this.options.dir, name), { force: true });
      }
    }
    for (const key of sidecars) {
      const reason = await this.indexOne(key);
      if (reason !== undefined) {
        this.options.logger.warn('prefix cache: entry rejected at start, deleted', { entry: key, reason });
        await rm(this.sidecarPath(key), { force: true });
        await rm(join(this.options.dir, `${key}.state`), { force: true });
      }
    }
  }

  private async indexOne(key: string): Promise<string | undefined> {
    let sidecar: unknown;
    let mtimeMs: number;
    try {
      const path = this.sidecarPath(key);
      sidecar = JSON.parse(await readFile(path, 'utf8'));
      mtimeMs = (await stat(path)).mtimeMs;
    } catch (error) {
      return `sidecar unreadable: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!isSidecar(sidecar)) return 'sidecar malformed';
    const mismatch = fingerprintMismatch(this.options.fingerprint, sidecar.fingerprint);
    if (mismatch !== undefined) return `foreign entry (${mismatch})`;
    if (this.keyOf(sidecar.tokens) !== key) return 'name does not match its tokens';
    const size = await stat(join(this.options.dir, `${key}.state`)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== sidecar.stateBytes) return `state file size ${size}, expected ${sidecar.stateBytes}`;
    this.entries.set(key, {
      key,
      tokens: sidecar.tokens,
      stateBytes: sidecar.stateBytes,
      stateSha256: sidecar.stateSha256,
      lastUsed: mtimeMs,
    });
    return undefined;
  }
}
