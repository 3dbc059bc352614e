/**
 * Reads an OpenAI chat-completion stream (`data: {chunk}` … `data: [DONE]`) as a client does and sums it
 * up: what it said, how it finished, when the deltas arrived. An error frame fails the read; whether the
 * stream was complete is `chatStreamProblem`'s call, the one rule every checker of ours applies.
 */
import { SseDecoder } from './sse-decoder.ts';

export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

export interface ChatStreamSummary {
  /** `data:` frames other than `[DONE]`. */
  frames: number;
  /** Frames whose delta carried text. */
  contentDeltas: number;
  /** Frames whose delta carried (part of) a tool call. */
  toolCallDeltas: number;
  text: string;
  finishReason: string | null;
  usage: ChatUsage | undefined;
  model: string | null;
  done: boolean;
  /** performance.now() when the first and the last content or tool-call delta arrived (NaN without any). */
  firstDeltaAt: number;
  lastDeltaAt: number;
}

interface ChunkShape {
  model?: string;
  error?: { message?: string };
  choices?: { delta?: { content?: string | null; tool_calls?: unknown[] | null }; finish_reason?: string | null }[];
  usage?: ChatUsage | null;
}

export async function readChatStream(body: AsyncIterable<string>): Promise<ChatStreamSummary> {
  const summary: ChatStreamSummary = {
    frames: 0,
    contentDeltas: 0,
    toolCallDeltas: 0,
    text: '',
    finishReason: null,
    usage: undefined,
    model: null,
    done: false,
    firstDeltaAt: Number.NaN,
    lastDeltaAt: Number.NaN,
  };
  const decoder = new SseDecoder();
  for await (const piece of body) {
    const now = performance.now();
    for (const frame of decoder.push(piece)) if (frame.kind === 'event' && !summary.done) add(summary, frame.data, now);
  }
  for (const frame of decoder.end()) if (frame.kind === 'event' && !summary.done) add(summary, frame.data, performance.now());
  return summary;
}

function add(summary: ChatStreamSummary, data: string, now: number): void {
  if (data === '[DONE]') {
    summary.done = true;
    return;
  }
  let chunk: ChunkShape;
  try {
    chunk = JSON.parse(data) as ChunkShape;
  } catch {
    throw new Error(`the stream carried data that is not JSON: ${data.slice(0, 200)}`);
  }
  if (chunk.error !== undefined) throw new Error(`the stream carried an error: ${chunk.error.message ?? JSON.stringify(chunk.error)}`);
  summary.frames += 1;
  summary.model ??= chunk.model ?? null;
  if (chunk.usage) summary.usage = chunk.usage;
  for (const choice of chunk.choices ?? []) {
    const content = choice.delta?.content;
    const toolCalls = choice.delta?.tool_calls ?? [];
    if (typeof content === 'string' && content.length > 0) {
      summary.contentDeltas += 1;
      summary.text += content;
    }
    if (toolCalls.length > 0) summary.toolCallDeltas += 1;
    if ((typeof content === 'string' && content.length > 0) || toolCalls.length > 0) {
      if (Number.isNaN(summary.firstDeltaAt)) summary.firstDeltaAt = now;
      summary.lastDeltaAt = now;
    }
    if (choice.finish_reason != null) summary.finishReason = choice.finish_reason;
  }
}

/**
 * Why a stream is not a complete answer, or undefined: the model must have produced something (a content or
 * tool-call delta, or generated tokens counted in the usage frame: a model may legitimately end its turn with a
 * token that renders as nothing), finish, and end with [DONE].
 */
export function chatStreamProblem(summary: ChatStreamSummary): string | undefined {
  if (summary.contentDeltas + summary.toolCallDeltas === 0 && (summary.usage?.completion_tokens ?? 0) === 0)
    return `the stream carried no content or tool-call delta and no generated tokens (${summary.frames} frames)`;
  if (summary.finishReason === null) return `the stream carried no finish_reason (${summary.frames} frames)`;
  if (!summary.done) return `the stream ended without [DONE] after ${summary.frames} frames`;
  return undefined;
}
