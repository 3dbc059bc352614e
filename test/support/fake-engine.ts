/**
 * An `InferenceEngine` without a model, for testing the HTTP layer: the engine's own slot scheduler,
 * scripted events emitted with delays, and honest abort handling (queued, prefill, generating), so
 * SSE framing, pings, 429s and disconnect-cancel are observable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ContextLengthExceededError, ModelNotReadyError } from '../../src/engine/api/api-errors.ts';
import type {
  EngineStats,
  FinishReason,
  GenerateOptions,
  GenerationEvent,
  GenerationInput,
  GenerationResult,
  InferenceEngine,
  PreparedGeneration,
  ToolCall,
} from '../../src/engine/inference/types.ts';
import { Scheduler } from '../../src/engine/scheduler/scheduler.ts';

export interface FakeScript {
  /** Events after `prompt-processed`; default: content "Hello" + ", world". */
  events?: GenerationEvent[];
  finishReason?: FinishReason;
  /** Delay between slot acquisition and `prompt-processed`. */
  prefillMs?: number;
  /** Delay before each scripted event. */
  eventDelayMs?: number;
  cachedTokens?: number;
  /** Throw this after emitting the scripted events (a mid-stream failure). */
  failWith?: Error;
}

export interface FakeEngineOptions {
  modelId?: string;
  contextSize?: number;
  slots?: number;
  queueLimit?: number;
  /** Starts not ready; `load()` resolves after this delay. */
  loadDelayMs?: number;
  script?: (input: GenerationInput) => FakeScript;
}

/** One generate() call, for tests to inspect. */
export interface FakeRun {
  input: GenerationInput;
  signal: AbortSignal;
  /** Resolves when the run has released (or never got) its slot. */
  settled: Promise<'done' | 'aborted' | 'failed'>;
}

interface Prepared extends PreparedGeneration {
  input: GenerationInput;
}

/** Deterministic token count of chat messages: one per 4 characters of message text, plus 4 per message. */
export function fakeMessagesTokenCount(messages: readonly { content: string | null }[]): number {
  return messages.reduce((n, m) => n + 4 + Math.ceil((m.content ?? '').length / 4), 0);
}

export function fakeTokenCount(input: GenerationInput): number {
  if (input.kind === 'completion') return Math.ceil(input.prompt.length / 4) + 1;
  return fakeMessagesTokenCount(input.messages);
}

export class FakeEngine implements InferenceEngine {
  readonly modelId: string;
  readonly contextSize: number;
  readonly runs: FakeRun[] = [];
  #ready = false;
  #closed = false;
  readonly #scheduler: Scheduler;
  readonly #loadDelayMs: number;
  readonly #script: (input: GenerationInput) => FakeScript;

  constructor(options: FakeEngineOptions = {}) {
    this.modelId = options.modelId ?? 'fake-model';
    this.contextSize = options.contextSize ?? 4096;
    this.#scheduler = new Scheduler({ slots: options.slots ?? 1, queueLimit: options.queueLimit ?? 8 });
    this.#loadDelayMs = options.loadDelayMs ?? 0;
    this.#script = options.script ?? (() => ({}));
  }

  get ready(): boolean {
    return this.#ready && !this.#closed;
  }

  async load(): Promise<void> {
    if (this.#loadDelayMs > 0) await sleep(this.#loadDelayMs);
    this.#ready = true;
  }

  async prepare(input: GenerationInput): Promise<PreparedGeneration> {
    if (!this.ready) throw new ModelNotReadyError();
    const promptTokens = fakeTokenCount(input);
    if (promptTokens >= this.contextSize) throw new ContextLengthExceededError(this.contextSize, promptTokens);
    const remaining = this.contextSize - promptTokens;
    const maxTokens = Math.min(input.sampling.maxTokens ?? remaining, remaining);
    const prepared: Prepared = { promptTokens, maxTokens, input };
    return prepared;
  }

  stats(): EngineStats {
    return this.#scheduler.stats();
  }

  generate(prepared: PreparedGeneration, options: GenerateOptions): Promise<GenerationResult> {
    const { input } = prepared as Prepared;
    let settle!: (s: 'done' | 'aborted' | 'failed') => void;
    const settled = new Promise<'done' | 'aborted' | 'failed'>((r) => (settle = r));
    this.runs.push({ input, signal: options.signal, settled });
    const run = this.#run(prepared as Prepared, options);
    run.then(
      () => settle('done'),
      () => settle(options.signal.aborted ? 'aborted' : 'failed'),
    );
    return run;
  }

  async #run(prepared: Prepared, options: GenerateOptions): Promise<GenerationResult> {
    const { signal } = options;
    const admission = this.#scheduler.acquire(signal, (free) => free[0] as number);
    options.onAdmitted?.();
    const lease = await admission;
    const acquiredAt = performance.now();
    try {
      options.onSlotAcquired?.();
      const script = this.#script(prepared.input);
      const cachedTokens = Math.min(script.cachedTokens ?? 0, prepared.promptTokens);
      if ((script.prefillMs ?? 0) > 0) await sleep(script.prefillMs, undefined, { signal });
      signal.throwIfAborted();
      const promptDoneAt = performance.now();
      options.onEvent?.({ type: 'prompt-processed', promptTokens: prepared.promptTokens, cachedTokens });
      const events = script.events ?? [
        { type: 'content', text: 'Hello' },
        { type: 'content', text: ', world' },
      ];
      let content = '';
      const calls: ToolCall[] = [];
      let generated = 0;
      for (const event of events) {
        if (generated >= prepared.maxTokens) break;
        if ((script.eventDelayMs ?? 0) > 0) await sleep(script.eventDelayMs, undefined, { signal });
        signal.throwIfAborted();
        options.onEvent?.(event);
        generated++;
        if (event.type === 'content') content += event.text;
        if (event.type === 'tool-call-start') calls[event.index] = { id: event.id, name: event.name, arguments: '' };
        if (event.type === 'tool-call-arguments') calls[event.index]!.arguments += event.delta;
      }
      if (script.failWith !== undefined) throw script.failWith;
      const finishReason: FinishReason =
        generated < events.length ? 'length' : (script.finishReason ?? (calls.length > 0 ? 'tool_calls' : 'stop'));
      return {
        finishReason,
        content,
        toolCalls: calls,
        usage: { promptTokens: prepared.promptTokens, cachedTokens, completionTokens: generated },
        timings: {
          queueMs: lease.queueMs,
          promptMs: promptDoneAt - acquiredAt,
          generationMs: performance.now() - promptDoneAt,
        },
      };
    } finally {
      lease.release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#scheduler.close();
  }
}
