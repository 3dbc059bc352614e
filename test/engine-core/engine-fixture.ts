/**
 * Shared setup for the inference-core integration tests: a real llama.cpp engine (1 thread) on a
 * generated model, and small builders for contract inputs.
 */
import { createLlamaEngine, type LlamaEngineDeps } from '../../src/engine/inference/llama-engine.ts';
import type {
  ChatMessage,
  EngineConfig,
  GenerationEvent,
  GenerationInput,
  GenerationResult,
  InferenceEngine,
  ResponseFormat,
  SamplingParams,
  ToolChoice,
  ToolDefinition,
} from '../../src/engine/inference/types.ts';
import { type TestModelOptions, testModelPath } from '../support/test-models.ts';

export async function startEngine(
  kind: 'tiny' | 'scripted',
  overrides: Partial<EngineConfig> & { model?: TestModelOptions } = {},
  deps: LlamaEngineDeps = {},
): Promise<InferenceEngine> {
  const { model, ...config } = overrides;
  const engine = createLlamaEngine(
    {
      modelPath: await testModelPath(kind, model ?? {}),
      modelId: `test-${kind}`,
      contextSize: 2048,
      threads: 1,
      parallel: 1,
      queueLimit: 4,
      defaults: {},
      ...config,
    },
    deps,
  );
  await engine.load();
  return engine;
}

export function sampling(overrides: Partial<SamplingParams> = {}): SamplingParams {
  return { temperature: 0, topP: 1, topK: 0, presencePenalty: 0, frequencyPenalty: 0, stop: [], ...overrides };
}

export function chat(
  messages: ChatMessage[],
  options: { tools?: ToolDefinition[]; toolChoice?: ToolChoice; responseFormat?: ResponseFormat; sampling?: Partial<SamplingParams> } = {},
): GenerationInput {
  return {
    kind: 'chat',
    messages,
    tools: options.tools ?? [],
    toolChoice: options.toolChoice ?? { type: 'auto' },
    responseFormat: options.responseFormat ?? { type: 'text' },
    sampling: sampling(options.sampling),
  };
}

export const user = (content: string): ChatMessage => ({ role: 'user', content });

export interface Collected {
  result: GenerationResult;
  events: GenerationEvent[];
}

/** prepare + generate, collecting every event. */
export async function run(engine: InferenceEngine, input: GenerationInput, signal = new AbortController().signal): Promise<Collected> {
  const events: GenerationEvent[] = [];
  const prepared = await engine.prepare(input);
  const result = await engine.generate(prepared, { signal, onEvent: (e) => events.push(e) });
  return { result, events };
}

export function contentOf(events: readonly GenerationEvent[]): string {
  return events.map((e) => (e.type === 'content' ? e.text : '')).join('');
}

/** Arguments text per tool-call index, rebuilt from the streamed deltas. */
export function streamedCalls(events: readonly GenerationEvent[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const e of events) {
    if (e.type === 'tool-call-start') calls[e.index] = { id: e.id, name: e.name, arguments: '' };
    if (e.type === 'tool-call-arguments') {
      const call = calls[e.index];
      if (call === undefined) throw new Error(`arguments before start for index ${e.index}`);
      call.arguments += e.delta;
    }
  }
  return calls;
}

export const ATTEMPT_COMPLETION: ToolDefinition = {
  name: 'attempt_completion',
  description: 'Finish the task and report the result.',
  parameters: {
    type: 'object',
    properties: { result: { type: 'string' } },
    required: ['result'],
    additionalProperties: false,
  },
};

/** A Cline-style schema: $schema, minItems, minLength, anyOf with null, exclusiveMinimum, closed objects. */
export const READ_FILES: ToolDefinition = {
  name: 'read_files',
  description: 'Read files.',
  parameters: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['files'],
    additionalProperties: false,
    properties: {
      files: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['path'],
          additionalProperties: false,
          properties: {
            path: { type: 'string', minLength: 1 },
            start_line: { anyOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'null' }] },
          },
        },
      },
    },
  },
};

/** Closed enum schema: forced calls on the random model terminate quickly. */
export const SET_MODE: ToolDefinition = {
  name: 'set_mode',
  description: 'Switch the mode.',
  parameters: {
    type: 'object',
    properties: { mode: { enum: ['plan', 'act'] }, confirm: { type: 'boolean' } },
    required: ['mode', 'confirm'],
    additionalProperties: false,
  },
};
