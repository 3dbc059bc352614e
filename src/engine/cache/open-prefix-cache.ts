/**
 * Sets up the prefix cache for a loaded model: fingerprint (model hash + context + llama.cpp build),
 * budget (given, or half of what the cache's file system has free, counting the cache itself), store,
 * then the slots restored from it. A cache that cannot be set up is logged and left out: the engine
 * serves without it rather than not at all.
 */
import { mkdir, readdir, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/logger.ts';
import { CACHE_FORMAT, type CacheFingerprint, modelFileHash } from './cache-fingerprint.ts';
import { PrefixStore } from './prefix-store.ts';
import { type CacheableSequence, SlotPrefixCache, type SlotPrefixCacheOptions } from './slot-prefix-cache.ts';

export interface PrefixCacheConfig {
  /** Directory of the disk tier (created if missing). */
  dir: string;
  /** Disk budget in bytes; undefined = half of the free space of the cache's file system. */
  budgetBytes?: number;
}

export interface CacheRuntime {
  modelPath: string;
  /** KV cells per sequence as created. */
  contextSize: number;
  /** Identifies the llama.cpp build (state layout). */
  runtimeId: string;
  sequences: readonly CacheableSequence[];
}

async function bytesIn(dir: string): Promise<number> {
  let sum = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.state'))
      sum += await stat(join(dir, name)).then(
        (s) => s.size,
        () => 0,
      );
  }
  return sum;
}

/** Half of the free space, plus what the cache already holds (it may keep that). */
export async function defaultBudgetBytes(dir: string): Promise<number> {
  const fs = await statfs(dir);
  return Math.floor((fs.bavail * fs.bsize + (await bytesIn(dir))) / 2);
}

export async function openPrefixCache(
  config: PrefixCacheConfig,
  runtime: CacheRuntime,
  logger: Logger,
  options: SlotPrefixCacheOptions = {},
): Promise<SlotPrefixCache | undefined> {
  try {
    await mkdir(config.dir, { recursive: true, mode: 0o700 });
    const started = performance.now();
    const model = await modelFileHash(runtime.modelPath, config.dir);
    const fingerprint: CacheFingerprint = {
      format: CACHE_FORMAT,
      modelSha256: model.sha256,
      modelBytes: model.bytes,
      contextSize: runtime.contextSize,
      runtime: runtime.runtimeId,
    };
    const budgetBytes = config.budgetBytes ?? (await defaultBudgetBytes(config.dir));
    const store = await PrefixStore.open({ dir: config.dir, fingerprint, budgetBytes, logger });
    const cache = new SlotPrefixCache(store, logger, options);
    const restored = await cache.restore(runtime.sequences);
    logger.info('prefix cache ready', {
      dir: config.dir,
      entries: store.size,
      bytes: store.totalBytes,
      budgetBytes,
      restoredSlots: restored,
      ms: Math.round(performance.now() - started),
    });
    return cache;
  } catch (error) {
    logger.error('prefix cache disabled: setting it up failed', {
      dir: config.dir,
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}
