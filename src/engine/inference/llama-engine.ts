/**
 * The inference core behind the HTTP layer: node-llama-cpp with one context whose sequences are the
 * slots, a bounded FIFO scheduler in front, the model's own chat template for prompts (or the built-in
 * renderer), and tool-call parsing in the model's format on the way out. See types.ts for the contract.
 */
import type { Token } from 'node-llama-cpp';
import { type Logger, silentLogger } from '../../lib/logger.ts';
import { InternalError, ModelNotReadyError, ShuttingDownError } from '../api/api-errors.ts';
import { openPrefixCache } from '../cache/open-prefix-cache.ts';
import type { SlotPrefixCache, SlotPrefixCacheOptions } from '../cache/slot-prefix-cache.ts';
import { Scheduler } from '../scheduler/scheduler.ts';
import { commonPrefixLength, type RunContext, runGeneration } from './generation-run.ts';
import { GrammarProvider } from './grammar-provider.ts';
import { createModelChat } from './model-chat.ts';
import { loadModelRuntime, type ModelRuntime } from './model-runtime.ts';
import { createModelVocab } from './model-vocab.ts';
import { PreparedRequest } from './prepared-request.ts';
import { type PreparerDeps, prepareRequest } from './request-preparer.ts';
import { DEFAULT_SPECULATION, type DraftSource } from './speculative-decode.ts';
import type {
  EngineConfig,
  EngineStats,
  GenerateOptions,
  GenerationInput,
  GenerationResult,
  InferenceEngine,
  PreparedGeneration,
} from './types.ts';

export interface LlamaEngineDeps {
  logger?: Logger;
  /**
   * Prompt tokens evaluated per llama.cpp call. An abort is noticed between chunks, so this bounds
   * how long a cancelled prefill keeps the slot (chunk ÷ prompt tok/s). Default 128.
   */
  prefillChunkTokens?: number;
  /** Observes prompt processing (tokens evaluated so far, prompt length), e.g. for progress or tests. */
  onPrefillProgress?: (evaluated: number, total: number) => void;
  /** Prefix-cache behaviour beyond the config (tests: load whenever a longer prefix is on disk). */
  prefixCacheOptions?: SlotPrefixCacheOptions;
  /** Draft source for speculative decoding instead of prompt lookup (tests of the verification rule). */
  proposeDraft?: DraftSource;
}

interface Loaded {
  runtime: ModelRuntime;
  preparer: PreparerDeps;
  run: RunContext;
  scheduler: Scheduler;
  lastUsed: number[];
  /** The disk tier behind the slots; undefined when not configured (or it failed to open). */
  prefixCache: SlotPrefixCache | undefined;
}

/**
 * How many times a live conversation whose slot is taken is assumed to come back. Agents resend their whole
 * conversation every turn, so its tail is prefilled again on each later turn. Counting a single return made
 * two conversations on one engine evict each other on every turn while other slots stayed empty (bench
 * --scale-out, one-by-one rows).
 */
const EXPECTED_RETURNS = 4;

/**
 * Which free slot a prompt goes to: the one where it costs least. The cost is the tokens to prefill now
 * (prompt − reused prefix) plus, for a slot whose conversation may still be live, the tail thrown away
 * (the slot's tokens past the shared prefix) times its expected returns. The least recently used free slot
 * (an empty one when there is one) is the designated victim: losing it counts nothing, as in an LRU cache.
 * So a conversation's follow-up or retry goes back to its own slot, a new conversation takes an empty or the
 * stalest slot (keeping a shared system prompt when that slot has it), and live conversations keep theirs.
 * Ties go to the least recently used slot.
 */
export function pickSlot(
  free: readonly number[],
  sequences: ReadonlyArray<{ readonly contextTokens: readonly Token[] }>,
  prompt: readonly Token[],
  lastUsed: readonly number[],
): number {
  const used = (i: number) => lastUsed[i] ?? 0;
  const staleness = (i: number) => ((sequences[i]?.contextTokens.length ?? 0) === 0 ? -1 : used(i));
  const victim = free.reduce((lru, i) => (staleness(i) < staleness(lru) ? i : lru), free[0] as number);
  let best = free[0] as number;
  let bestCost = Infinity;
  for (const i of free) {
    const cached = sequences[i]?.contextTokens ?? [];
    const reused = commonPrefixLength(cached, prompt);
    const lost = i === victim ? 0 : cached.length - reused;
    const cost = prompt.length - reused + EXPECTED_RETURNS * lost;
    if (cost < bestCost || (cost === bestCost && used(i) < used(best))) {
      best = i;
      bestCost = cost;
    }
  }
  return best;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createLlamaEngine(config: EngineConfig, deps: LlamaEngineDeps = {}): InferenceEngine {
  const logger = deps.logger ?? silentLogger;
  const prefillChunk = Math.max(1, Math.floor(deps.prefillChunkTokens ?? 128));
  let loading: Promise<void> | undefined;
  let loaded: Loaded | undefined;
  let closed = false;
  let useCounter = 0;

  async function load(): Promise<void> {
    if (closed) throw new ShuttingDownError();
    const runtime = await loadModelRuntime(config, logger);
    const vocab = createModelVocab(runtime.model);
    const grammars = new GrammarProvider(runtime.llama, runtime.model, logger);
    const { renderer, toolSyntax } = createModelChat(vocab, config, logger);
    const prefixCache =
      config.prefixCache === undefined
        ? undefined
        : await openPrefixCache(
            config.prefixCache,
            {
              modelPath: config.modelPath,
              contextSize: runtime.context.contextSize,
              runtimeId: `llama.cpp ${runtime.llama.llamaCppRelease.release} ${runtime.llama.buildType}`,
              sequences: runtime.sequences,
            },
            logger,
            deps.prefixCacheOptions,
          );
    loaded = {
      runtime,
      preparer: {
        contextSize: config.contextSize,
        vocab,
        renderer,
        toolSyntax,
        grammars,
        prependBos: runtime.model.tokens.shouldPrependBosToken,
        bosToken: runtime.model.tokens.bos,
      },
      run: {
        model: runtime.model,
        vocab,
        grammars,
        prefillChunk,
        toolSyntax,
        now: () => performance.now(),
        speculation: config.speculation ?? DEFAULT_SPECULATION,
        ...(deps.onPrefillProgress === undefined ? {} : { onPrefillProgress: deps.onPrefillProgress }),
        ...(deps.proposeDraft === undefined ? {} : { proposeDraft: deps.proposeDraft }),
      },
      scheduler: new Scheduler({ slots: config.parallel, queueLimit: config.queueLimit }),
      lastUsed: Array.from({ length: config.parallel }, () => 0),
      prefixCache,
    };
    logger.info('model loaded', {
      model: config.modelId,
      contextSize: config.contextSize,
      slotCells: runtime.context.contextSize,
      parallel: config.parallel,
      threads: config.threads,
      speculation: config.speculation ?? DEFAULT_SPECULATION,
      chatTemplate: renderer.source,
      toolCalls: toolSyntax === undefined ? 'none' : toolSyntax.format.name,
    });
  }

  function requireLoaded(): Loaded {
    if (closed) throw new ShuttingDownError();
    if (loaded === undefined) throw new ModelNotReadyError();
    return loaded;
  }

  return {
    modelId: config.modelId,
    contextSize: config.contextSize,
    get ready() {
      return loaded !== undefined && !closed;
    },

    load() {
      loading ??= load();
      return loading;
    },

    async prepare(input: GenerationInput): Promise<PreparedGeneration> {
      const l = requireLoaded();
      return prepareRequest(input, l.preparer);
    },

    async generate(prepared: PreparedGeneration, options: GenerateOptions): Promise<GenerationResult> {
      const l = requireLoaded();
      if (!(prepared instanceof PreparedRequest)) throw new InternalError('generate() needs the result of prepare().');
      const sequences = l.runtime.sequences;
      const admission = l.scheduler.acquire(options.signal, (free) => pickSlot(free, sequences, prepared.tokens, l.lastUsed));
      options.onAdmitted?.();
      const lease = await admission;
      const log = logger.child({ requestId: options.requestId, slot: lease.slot });
      // A write-through to the disk cache keeps the slot after the answer is returned, then frees it.
      let releasedLater = false;
      try {
        log.debug('slot assigned', { queueMs: Math.round(lease.queueMs), promptTokens: prepared.promptTokens });
        l.lastUsed[lease.slot] = ++useCounter;
        options.onSlotAcquired?.();
        const sequence = sequences[lease.slot];
        if (sequence === undefined) throw new InternalError(`No sequence for slot ${lease.slot}.`);
        let out: Awaited<ReturnType<typeof runGeneration>>;
        try {
          await l.prefixCache?.prepare(sequence, prepared.tokens, log);
          out = await runGeneration(l.run, sequence, prepared, options.signal, (e) => options.onEvent?.(e));
        } catch (error) {
          // After an abort the sequence holds exactly what was evaluated and stays reusable; after any
          // other failure its state is unknown, so it starts empty.
          if (!options.signal.aborted) {
            log.warn('generation failed; the slot starts empty', { error: errorText(error) });
            await sequence.clearHistory().catch((clearError: unknown) => {
              log.error('clearing the slot failed', { error: errorText(clearError) });
            });
          }
          throw error;
        }
        const cache = l.prefixCache;
        const prefilled = prepared.promptTokens - out.cachedTokens;
        cache?.observePrefill(prefilled, out.promptMs);
        if (cache?.worthWriteThrough(sequence, prefilled) === true) {
          releasedLater = true;
          void cache.writeThrough(sequence, log).finally(() => lease.release());
        }
        return {
          finishReason: out.finishReason,
          content: out.content,
          toolCalls: out.toolCalls,
          usage: {
            promptTokens: prepared.promptTokens,
            cachedTokens: out.cachedTokens,
            completionTokens: out.completionTokens,
          },
          timings: { queueMs: lease.queueMs, promptMs: out.promptMs, generationMs: out.generationMs },
          ...(out.speculation === undefined ? {} : { speculation: out.speculation }),
        };
      } finally {
        if (!releasedLater) lease.release();
      }
    },

    stats(): EngineStats {
      if (loaded !== undefined) {
        const cache = loaded.prefixCache?.stats();
        return cache === undefined ? loaded.scheduler.stats() : { ...loaded.scheduler.stats(), prefixCache: cache };
      }
      return { queueDepth: 0, queueLimit: config.queueLimit, busySlots: 0, slots: config.parallel };
    },

    async close() {
      if (closed) return;
      closed = true;
      await loading?.catch(() => {});
      const l = loaded;
      if (l === undefined) return;
      l.scheduler.close();
      await l.scheduler.idle();
      // Warm prefixes survive a restart (upgrade, reboot, reconfigure): every slot goes to disk first.
      await l.prefixCache?.persist(l.runtime.sequences);
      await l.runtime.dispose();
    },
  };
}
