/**
 * `slm-copilot bench --prefix-cache-only`: just the disk prefix-cache rows (a few minutes on the bench
 * model instead of the whole run). The raw worker only sizes the conversation and is gone before the
 * server starts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { trackChild } from './child-process.ts';
import { startRawRunner } from './raw-runner.ts';
import type { BenchReport } from './report.ts';
import { benchReport, benchStart } from './report-envelope.ts';
import type { BenchRunInput } from './run-bench.ts';
import { sizeConversation } from './sections/prefix.ts';
import { runPrefixCacheSection } from './sections/prefix-cache.ts';
import { startServer } from './server-process.ts';

export async function runPrefixCacheBench({ options, modelPath, progress }: BenchRunInput): Promise<BenchReport> {
  const start = benchStart();
  const work = await mkdtemp(path.join(os.tmpdir(), 'slm-bench-'));
  const untrackWork = trackChild(() => rm(work, { recursive: true, force: true }));
  try {
    const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
    const apiKeyFile = path.join(work, 'api-key');
    await writeFile(apiKeyFile, `${apiKey}\n`, { mode: 0o600 });
    const raw = await startRawRunner(modelPath, options.threads, options.contextSize);
    const shape = await sizeConversation((m) => raw.count(m), options.prefixTokens).finally(() => raw.close());
    const settings = { modelPath, threads: options.threads, contextSize: options.contextSize, parallel: 1, queue: 8, apiKeyFile, apiKey };
    const section = await runPrefixCacheSection(
      (over) => startServer({ ...settings, ...over }),
      path.join(work, 'prefix-cache'),
      modelPath,
      shape,
      progress,
    );
    return benchReport(
      start,
      {
        model: modelPath,
        threads: options.threads,
        contextSize: options.contextSize,
        tokens: options.tokens,
        repeat: options.repeat,
        quick: options.quick,
        edge: 'skipped (--prefix-cache-only)',
      },
      {
        rows: section.rows,
        details: { prefixCache: section.details },
        notes: options.quick ? ['quick mode: tiny model; the figures only show that every path works.'] : [],
      },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
    untrackWork();
  }
}
