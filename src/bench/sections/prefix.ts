/**
 * Row 2: prompt-prefix reuse. An agent resends its whole growing conversation every turn; the server
 * should evaluate only the new tail. Cold = first request of a conversation no slot has seen (salted),
 * follow-up = the same conversation + the assistant's answer + one short user turn.
 */
import type { Progress } from '../progress.ts';
import { type BenchMessage, conversation, FOLLOW_UP_TURN } from '../prompts.ts';
import { type BenchRow, makeRow } from '../report.ts';
import type { RunningServer } from '../server-process.ts';
import { median } from '../stats.ts';
import { streamChat } from '../stream-client.ts';

export interface ConversationShape {
  turns: number;
  systemRepeats: number;
}

/**
 * Grows the conversation until `count` (the model's tokenizer) says it reaches `minTokens`: turns and
 * system rules alternately (a few dozen tokens per step), so that the result overshoots only a little.
 */
export async function sizeConversation(
  count: (messages: BenchMessage[]) => Promise<number>,
  minTokens: number,
): Promise<ConversationShape & { tokens: number }> {
  const shape = { turns: 1, systemRepeats: 1 };
  for (let i = 0; i < 1000; i++) {
    const tokens = await count(conversation('c0', shape.turns, shape.systemRepeats));
    if (tokens >= minTokens) return { ...shape, tokens };
    if (i % 2 === 0) shape.systemRepeats += 1;
    else shape.turns += 1;
  }
  throw new Error(`could not build a conversation of ${minTokens} tokens`);
}

interface Pair {
  coldTtftMs: number;
  followTtftMs: number;
  coldPromptTokens: number;
  coldCachedTokens: number;
  followPromptTokens: number;
  followCachedTokens: number;
}

export async function runPrefixSection(
  server: RunningServer,
  shape: ConversationShape,
  repeat: number,
  progress: Progress,
): Promise<{ rows: BenchRow[]; details: { shape: ConversationShape; pairs: Pair[] } }> {
  const pairs: Pair[] = [];
  for (let i = 0; i < repeat; i++) {
    const messages = conversation(`c${i}`, shape.turns, shape.systemRepeats);
    const ask = (m: BenchMessage[]) => streamChat(server.endpoint, { model: server.modelId, messages: m, maxTokens: 8 });
    const cold = await ask(messages);
    const follow = await ask([...messages, { role: 'assistant', content: cold.text }, { role: 'user', content: FOLLOW_UP_TURN }]);
    pairs.push({
      coldTtftMs: cold.ttftMs,
      followTtftMs: follow.ttftMs,
      coldPromptTokens: cold.promptTokens,
      coldCachedTokens: cold.cachedTokens,
      followPromptTokens: follow.promptTokens,
      followCachedTokens: follow.cachedTokens,
    });
    progress(
      `prefix ${i + 1}/${repeat}: cold ${cold.ttftMs.toFixed(0)} ms (${cold.promptTokens} tokens), ` +
        `follow-up ${follow.ttftMs.toFixed(0)} ms (${follow.cachedTokens}/${follow.promptTokens} cached)`,
    );
  }
  const m = (f: (p: Pair) => number) => median(pairs.map(f));
  const row = makeRow(
    'prefix',
    `Prefix reuse TTFT ms: follow-up / cold (${m((p) => p.coldPromptTokens)}-token conversation)`,
    { label: 'follow-up', value: m((p) => p.followTtftMs), unit: 'ms' },
    { label: 'cold', value: m((p) => p.coldTtftMs), unit: 'ms' },
    { on: 'ratio', op: '<=', value: 0.1 },
    {
      note:
        `follow-up: ${m((p) => p.followCachedTokens)} of ${m((p) => p.followPromptTokens)} prompt tokens cached ` +
        `(cold: ${m((p) => p.coldCachedTokens)} cached); ${repeat} pair(s), medians`,
    },
  );
  return { rows: [row], details: { shape, pairs } };
}
