/**
 * The slots (KV in RAM) backed by the disk tier (prefix-store.ts):
 *
 * - before a request runs on a slot, the slot's tokens that the request would throw away are saved to disk
 *   (unless an entry already holds them), so a conversation pushed out by another one comes back cheaply;
 * - the request then starts from the longest prefix found in the slot or on disk; a disk entry is loaded
 *   only when loading it (checksum + read, at the measured MB/s) is cheaper than prefilling the extra
 *   tokens (at the measured prompt tok/s);
 * - on shutdown every slot is saved; on start the most recently used entries are loaded into the slots.
 *
 * A new conversation whose system prompt and tools match a cached one starts from that entry: entries
 * are matched by longest common prefix, not exact conversation, and any slot can load any entry.
 */
import type { Logger } from '../../lib/logger.ts';
import { CacheEntryRejectedError, commonPrefix, type PrefixEntry, type PrefixStore } from './prefix-store.ts';

/** What the cache needs from a llama.cpp sequence (LlamaContextSequence fits). */
export interface CacheableSequence {
  readonly contextTokens: readonly number[];
  saveStateToFile(path: string): Promise<{ fileSize: number }>;
  loadStateFromFile(path: string, risk: { acceptRisk: true }): Promise<void>;
  clearHistory(): Promise<void>;
  eraseContextTokenRanges(ranges: Array<{ start: number; end: number }>): Promise<void>;
}

export interface PrefixCacheStats {
  entries: number;
  bytes: number;
  budgetBytes: number;
  /** Requests that looked for a prefix on disk. */
  lookups: number;
  /** Requests served from a disk entry. */
  hits: number;
  /** Prompt tokens those hits did not have to prefill (beyond what the slot already held). */
  hitTokens: number;
  saves: number;
  savedBytes: number;
  /** Entries refused before loading (corrupt, foreign, changed on disk) or failing to load. */
  rejected: number;
  /** Measured (moving average); undefined until measured. */
  loadBytesPerSecond?: number;
  saveBytesPerSecond?: number;
  prefillTokensPerSecond?: number;
}

/** An exponential moving average of a rate, from (amount, milliseconds) observations. */
class MeasuredRate {
  private perMs: number | undefined;
  observe(amount: number, ms: number): void {
    if (amount <= 0 || ms <= 0) return;
    const x = amount / ms;
    this.perMs = this.perMs === undefined ? x : 0.7 * this.perMs + 0.3 * x;
  }
  get perSecond(): number | undefined {
    return this.perMs === undefined ? undefined : this.perMs * 1000;
  }
  msFor(amount: number): number | undefined {
    return this.perMs === undefined ? undefined : amount / this.perMs;
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export interface SlotPrefixCacheOptions {
  /** Fewer tokens than this are not worth a file (nor a load). Default 32. */
  minTokens?: number;
  /**
   * 'measured' (default): load only when the measured rates say it beats prefilling, and write a freshly
   * prefilled prefix through to disk only when saving costs a small fraction of that prefill. 'always': load
   * any longer prefix and write every new prefix through, for tests on tiny models whose prefill is as fast
   * as a disk read.
   */
  policy?: 'measured' | 'always';
  now?: () => number;
}

export class SlotPrefixCache {
  private readonly load = new MeasuredRate();
  private readonly save = new MeasuredRate();
  private readonly prefill = new MeasuredRate();
  private readonly minTokens: number;
  private readonly policy: 'measured' | 'always';
  private readonly now: () => number;
  private lookups = 0;
  private hits = 0;
  private hitTokens = 0;
  private saves = 0;
  private savedBytes = 0;
  private rejected = 0;
  readonly store: PrefixStore;
  private readonly logger: Logger;

  constructor(store: PrefixStore, logger: Logger, options: SlotPrefixCacheOptions = {}) {
    this.store = store;
    this.logger = logger;
    this.minTokens = Math.max(1, options.minTokens ?? 32);
    this.policy = options.policy ?? 'measured';
    this.now = options.now ?? (() => performance.now());
  }

  /** A finished prefill: `tokens` evaluated in `ms`. Only prefills long enough to be a fair sample count. */
  observePrefill(tokens: number, ms: number): void {
    if (tokens >= 16) this.prefill.observe(tokens, ms);
  }

  /**
   * Makes `sequence` hold the best available prefix of `prompt`, saving what it held first when that
   * would be lost. Never throws for cache problems: the request then prefills as without a cache.
   */
  async prepare(sequence: CacheableSequence, prompt: readonly number[], log: Logger): Promise<void> {
    this.lookups++;
    const limit = prompt.length - 1; // at least one token is always evaluated, for logits
    const inSlot = Math.min(commonPrefix(sequence.contextTokens, prompt), limit);
    const best = this.store.bestMatch(prompt);
    const fromDisk = best === undefined ? 0 : Math.min(best.matched, limit);
    const gain = fromDisk - inSlot;
    const load = best !== undefined && gain >= this.minTokens && this.loadPays(best.entry, gain, log);

    const held = sequence.contextTokens;
    const kept = load ? 0 : inSlot;
    const givenUp = held.length - kept >= this.minTokens && held.length >= this.minTokens;
    if (givenUp && !this.store.covers(held)) await this.saveSequence(sequence, log);
    if (givenUp) await this.saveBranchPoint(sequence, kept, log);
    if (load && best !== undefined) await this.loadEntry(sequence, best.entry, gain, log);
  }

  /**
   * When the slot is given up and its tokens share a prefix with another entry that neither ends at (two
   * tasks with the same system prompt and tools, which then diverge), the slot is cut back to that prefix
   * and saved as its own short entry: later tasks on that prompt load it instead of a whole conversation.
   * The slot's tokens beyond `kept` are thrown away next anyway; they are on disk already.
   */
  private async saveBranchPoint(sequence: CacheableSequence, kept: number, log: Logger): Promise<void> {
    const held = sequence.contextTokens;
    let branch = 0;
    for (const entry of this.store.list()) {
      const shared = commonPrefix(entry.tokens, held);
      if (shared < entry.tokens.length && shared < held.length) branch = Math.max(branch, shared);
    }
    if (branch < 2 * this.minTokens || branch < kept || this.store.holdsExactly(held.slice(0, branch))) return;
    if (this.policy === 'measured') {
      const saveMs = this.save.msFor(this.store.bytesPerToken() * branch);
      const prefillMs = this.prefill.msFor(branch);
      if (saveMs !== undefined && prefillMs !== undefined && saveMs > prefillMs / 10) return;
    }
    try {
      await sequence.eraseContextTokenRanges([{ start: branch, end: held.length }]);
    } catch (error) {
      log.warn('prefix cache: cutting the slot back to a shared prefix failed; the slot starts empty', { error: errorText(error) });
      await sequence.clearHistory().catch(() => undefined);
      return;
    }
    log.info('prefix cache: saving a shared prefix', { tokens: branch });
    await this.saveSequence(sequence, log);
  }

  /** Loading pays when checksum + read at the measured rate takes less than prefilling `gain` tokens. */
  private loadPays(entry: PrefixEntry, gain: number, log: Logger): boolean {
    if (this.policy === 'always') return true;
    // Before any load was timed, the write rate of the same disk stands in (reads are rarely slower).
    const loadMs = this.load.msFor(entry.stateBytes) ?? this.save.msFor(entry.stateBytes);
    const prefillMs = this.prefill.msFor(gain);
    if (loadMs === undefined || prefillMs === undefined) {
      log.debug('prefix cache: rates not measured yet, loading', { tokens: gain });
      return true;
    }
    if (loadMs < prefillMs) return true;
    log.info('prefix cache: prefilling is cheaper than loading', {
      tokens: gain,
      loadMs: Math.round(loadMs),
      prefillMs: Math.round(prefillMs),
    });
    return false;
  }

  private async saveSequence(sequence: CacheableSequence, log: Logger): Promise<void> {
    const tokens = [...sequence.contextTokens];
    const started = this.now();
    try {
      const entry = await this.store.save(tokens, async (path) => {
        await sequence.saveStateToFile(path);
      });
      if (entry === undefined) return;
      const ms = this.now() - started;
      this.save.observe(entry.stateBytes, ms);
      this.saves++;
      this.savedBytes += entry.stateBytes;
      log.info('prefix cache: slot saved', { tokens: tokens.length, bytes: entry.stateBytes, ms: Math.round(ms) });
    } catch (error) {
      log.warn('prefix cache: saving the slot failed', { error: errorText(error) });
    }
  }

  private async loadEntry(sequence: CacheableSequence, entry: PrefixEntry, gain: number, log: Logger): Promise<boolean> {
    const started = this.now();
    let path: string;
    try {
      path = await this.store.verify(entry);
    } catch (error) {
      this.rejected++;
      if (!(error instanceof CacheEntryRejectedError)) log.warn('prefix cache: verifying an entry failed', { error: errorText(error) });
      return false;
    }
    try {
      await sequence.loadStateFromFile(path, { acceptRisk: true });
      if (
        commonPrefix(sequence.contextTokens, entry.tokens) !== entry.tokens.length ||
        sequence.contextTokens.length !== entry.tokens.length
      ) {
        throw new Error('the loaded state holds other tokens than its entry');
      }
    } catch (error) {
      this.rejected++;
      log.warn('prefix cache: loading an entry failed; the slot starts empty', { entry: entry.key, error: errorText(error) });
      await this.store.remove(entry);
      await sequence.clearHistory().catch(() => undefined);
      return false;
    }
    const ms = this.now() - started;
    this.load.observe(entry.stateBytes, ms);
    this.hits++;
    this.hitTokens += Math.max(0, gain);
    await this.store.touch(entry);
    log.info('prefix cache: prefix loaded', { entry: entry.key, tokens: entry.tokens.length, bytes: entry.stateBytes, ms: Math.round(ms) });
    return true;
  }

  /**
   * Whether the slot, just after a request, holds a prefix worth writing to disk now rather than at
   * eviction: `prefilled` tokens were evaluated that no entry holds, and saving them costs at most a tenth
   * of what prefilling them did. Written through, a new conversation's prefix survives a crash and any
   * other slot can start from it while this one is still busy with the conversation.
   */
  worthWriteThrough(sequence: CacheableSequence, prefilled: number): boolean {
    const tokens = sequence.contextTokens;
    if (prefilled < this.minTokens || tokens.length < this.minTokens) return false;
    const onDisk = this.store.bestMatch(tokens)?.matched ?? 0;
    const fresh = Math.min(prefilled, tokens.length - onDisk);
    if (fresh < this.minTokens) return false;
    if (this.policy === 'always') return true;
    const prefillMs = this.prefill.msFor(fresh);
    const bytes = this.store.bytesPerToken() * tokens.length;
    const saveMs = bytes > 0 ? this.save.msFor(bytes) : undefined;
    // Unmeasured: save once, which measures the rate.
    if (prefillMs === undefined || saveMs === undefined) return true;
    return saveMs <= prefillMs / 10;
  }

  /** Writes the slot through to disk (after a request); never throws. */
  async writeThrough(sequence: CacheableSequence, log: Logger): Promise<void> {
    if (!this.store.covers(sequence.contextTokens)) await this.saveSequence(sequence, log);
  }

  /** Saves every slot whose tokens are not on disk yet (shutdown). */
  async persist(sequences: readonly CacheableSequence[]): Promise<void> {
    for (const sequence of sequences) {
      if (sequence.contextTokens.length >= this.minTokens && !this.store.covers(sequence.contextTokens)) {
        await this.saveSequence(sequence, this.logger);
      }
    }
  }

  /** Loads the most recently used entries into the slots (start-up), one per slot. */
  async restore(sequences: readonly CacheableSequence[]): Promise<number> {
    let restored = 0;
    const candidates = this.store.list();
    for (const sequence of sequences) {
      let entry = candidates.shift();
      while (entry !== undefined) {
        if (await this.loadEntry(sequence, entry, 0, this.logger)) {
          restored++;
          break;
        }
        entry = candidates.shift();
      }
    }
    // Restoring is not a request: only its timing counts.
    this.hits -= restored;
    return restored;
  }

  stats(): PrefixCacheStats {
    const out: PrefixCacheStats = {
      entries: this.store.size,
      bytes: this.store.totalBytes,
      budgetBytes: this.store.budgetBytes,
      lookups: this.lookups,
      hits: this.hits,
      hitTokens: this.hitTokens,
      saves: this.saves,
      savedBytes: this.savedBytes,
      rejected: this.rejected,
    };
    const rates = {
      loadBytesPerSecond: this.load.perSecond,
      saveBytesPerSecond: this.save.perSecond,
      prefillTokensPerSecond: this.prefill.perSecond,
    };
    for (const [k, v] of Object.entries(rates)) if (v !== undefined) (out as unknown as Record<string, number>)[k] = v;
    return out;
  }
}
