/**
 * The benchmark run: one server child at a time (restarted only to change --parallel), the raw
 * baseline in its own child that is stopped before anything else runs, then a table or JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApplianceEdge } from './appliance-edge.ts';
import { trackChild } from './child-process.ts';
import { startTlsProxy, type TlsProxy } from './nginx-proxy.ts';
import type { BenchOptions } from './options.ts';
import type { Progress } from './progress.ts';
import { decodeMessages } from './prompts.ts';
import { type RawRunner, startRawRunner } from './raw-runner.ts';
import type { BenchReport, BenchRow } from './report.ts';
import { benchReport, benchStart } from './report-envelope.ts';
import { runPrefixCacheBench } from './run-prefix-cache-bench.ts';
import { type ConcurrencySample, concurrencyRows, measureConcurrency } from './sections/concurrency.ts';
import { runDecodeSection } from './sections/decode.ts';
import { runEdgeSection } from './sections/edge.ts';
import { runFlashAttentionSection } from './sections/flash-attention.ts';
import { runPrefixSection, sizeConversation } from './sections/prefix.ts';
import { runPrefixCacheSection } from './sections/prefix-cache.ts';
import { runRejectSection } from './sections/reject.ts';
import { runSpeculativeSection, speculativeCases } from './sections/speculative.ts';
import { type RunningServer, type ServerSettings, startServer } from './server-process.ts';
import { makeEndpoint, streamChat } from './stream-client.ts';

export interface BenchRunInput {
  options: BenchOptions;
  modelPath: string;
  /** The scripted model of the copy-heavy speculative case (sections/speculative.ts). */
  copyModelPath: string;
  progress: Progress;
}

/** First request after a model load pays page faults and allocations; keep it out of the figures. */
async function warmUp(server: RunningServer): Promise<void> {
  await streamChat(server.endpoint, { model: server.modelId, messages: decodeMessages('warm'), maxTokens: 4 });
}

export async function runBench({ options, modelPath, copyModelPath, progress }: BenchRunInput): Promise<BenchReport> {
  if (options.prefixCacheOnly) return runPrefixCacheBench({ options, modelPath, copyModelPath, progress });
  const start = benchStart();
  const work = await mkdtemp(path.join(os.tmpdir(), 'slm-bench-'));
  const untrackWork = trackChild(() => rm(work, { recursive: true, force: true }));
  const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const apiKeyFile = path.join(work, 'api-key');
  await writeFile(apiKeyFile, `${apiKey}\n`, { mode: 0o600 });
  const settings = (parallel: number): ServerSettings => ({
    modelPath,
    threads: options.threads,
    contextSize: options.contextSize,
    parallel,
    queue: 8,
    apiKeyFile,
    apiKey,
  });

  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  const notes: string[] = [];
  let raw: RawRunner | undefined;
  let server: RunningServer | undefined;
  let proxy: TlsProxy | undefined;
  let edgeLabel = 'skipped (--skip-nginx)';
  try {
    progress(`starting raw node-llama-cpp worker and server (threads ${options.threads}, context ${options.contextSize})`);
    raw = await startRawRunner(modelPath, options.threads, options.contextSize);
    server = await startServer(settings(1));
    details['startup'] = { rawLoadMs: raw.loadMs, serverStartMs: server.startMs };

    const decode = await runDecodeSection(raw, server, options.tokens, options.repeat, progress);
    rows.push(...decode.rows);
    details['decode'] = decode.details;

    const shape = await sizeConversation((m) => raw!.count(m), options.prefixTokens);
    // From here on only the server runs: the raw model goes away with its process.
    await raw.close();
    raw = undefined;

    const prefix = await runPrefixSection(server, shape, options.prefixRepeat, progress);
    rows.push(...prefix.rows);
    details['prefix'] = prefix.details;

    const reject = await runRejectSection(server, options.contextSize, options.repeat, progress);
    rows.push(...reject.rows);
    details['reject'] = reject.details;

    const flash = await runFlashAttentionSection(modelPath, options.threads, options.longPrefillTokens, options.quick ? 1 : 2, progress);
    rows.push(...flash.rows);
    details['flashAttention'] = flash.details;

    if (!options.skipNginx) {
      try {
        proxy = await startApplianceEdge(path.join(work, 'edge'), server.port, apiKey, options.nginx);
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 2).join(' ');
        notes.push(`the appliance's nginx site did not start (${reason}); the edge row used a minimal nginx TLS proxy instead`);
        proxy = await startTlsProxy(path.join(work, 'nginx'), server.port, options.nginx).catch((e: unknown) => {
          throw new Error(`${e instanceof Error ? e.message : String(e)} (--skip-nginx leaves the edge rows out)`);
        });
      }
      edgeLabel = proxy.label;
      const edge = makeEndpoint(proxy.baseUrl, { apiKey, ca: proxy.ca });
      try {
        const section = await runEdgeSection(server, edge, proxy.label, options.tokens, options.repeat, options.quick ? 3 : 15, progress);
        rows.push(...section.rows);
        details['edge'] = section.details;
      } finally {
        edge.agent.destroy();
        await proxy.stop();
        proxy = undefined;
      }
    }

    // Concurrency: first with the parallel-1 server (extra streams wait in its queue), then one server
    // per --parallel value. Rounds alternate within each server; rows take medians.
    // Half-length streams keep the section short; prompts are tiny, so aggregates stay decode-bound.
    const rounds = options.quick ? 1 : 2;
    const streamTokens = Math.max(2, Math.round(options.tokens / 2));
    const samples: ConcurrencySample[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const streams of options.streams) samples.push(await measureConcurrency(server, streams, streamTokens, progress));
    }
    for (const parallel of options.streams.filter((s) => s > 1)) {
      await server.stop();
      server = undefined;
      server = await startServer(settings(parallel));
      await warmUp(server);
      for (let r = 0; r < rounds; r++) samples.push(await measureConcurrency(server, parallel, streamTokens, progress));
    }
    rows.push(...concurrencyRows(samples));
    details['concurrency'] = samples;

    await server.stop();
    server = undefined;
    const cache = await runPrefixCacheSection(
      (over) => startServer({ ...settings(1), ...over }),
      path.join(work, 'prefix-cache'),
      modelPath,
      shape,
      progress,
    );
    rows.push(...cache.rows);
    details['prefixCache'] = cache.details;

    // Speculation on vs off runs in-process engines: nothing else may compute meanwhile.
    const speculativeTokens = options.tokens;
    const speculative = await runSpeculativeSection(
      speculativeCases(copyModelPath, modelPath, speculativeTokens),
      options.threads,
      options.contextSize,
      options.repeat,
      progress,
    );
    rows.push(...speculative.rows);
    details['speculative'] = speculative.details;
  } catch (error) {
    if (server !== undefined && error instanceof Error) error.message += `\n--- server log (tail) ---\n${server.logTail()}`;
    throw error;
  } finally {
    await proxy?.stop().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    await raw?.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    untrackWork();
  }

  if (options.quick) notes.push('quick mode: tiny model and few tokens; the figures only show that every path works.');
  return benchReport(
    start,
    {
      model: modelPath,
      threads: options.threads,
      contextSize: options.contextSize,
      tokens: options.tokens,
      repeat: options.repeat,
      quick: options.quick,
      edge: edgeLabel,
    },
    { rows, details, notes },
  );
}
