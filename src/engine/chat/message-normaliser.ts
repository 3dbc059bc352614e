/**
 * Puts a conversation into the one shape every Mistral-family template accepts, before any template
 * (or the built-in renderer) sees it. Real templates raise on what clients routinely send: Cline's
 * consecutive user messages, system messages in mid-conversation (context compaction, sub-agents), and
 * two assistant turns in a row. The model reads the same words in the same order afterwards.
 *
 * - leading system messages become one system message;
 * - a later system message is folded into the next user turn, ahead of its text (or becomes a user turn
 *   at the end when none follows);
 * - consecutive user messages are joined with a blank line; consecutive assistant messages likewise, their
 *   tool calls kept in order;
 * - tool results are never merged: each answers its own call.
 *
 * Content is already text here (parts joined, null turned into "" at the API edge).
 */
import type { ChatMessage } from '../inference/types.ts';

const JOINER = '\n\n';

export function normaliseMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let pendingSystem: string[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      const last = out.at(-1);
      if (out.length === 0 || (out.length === 1 && last?.role === 'system')) {
        if (last === undefined) out.push({ role: 'system', content: m.content });
        else last.content = join(last.content, m.content);
      } else {
        pendingSystem.push(m.content);
      }
      continue;
    }
    let message = copy(m);
    if (m.role === 'user' && pendingSystem.length > 0) {
      message = { ...message, content: join(...pendingSystem, message.content) };
      pendingSystem = [];
    }
    append(out, message);
  }
  if (pendingSystem.length > 0) append(out, { role: 'user', content: join(...pendingSystem) });
  return out;
}

function append(out: ChatMessage[], message: ChatMessage): void {
  const last = out.at(-1);
  if (last === undefined || last.role !== message.role || (message.role !== 'user' && message.role !== 'assistant')) {
    out.push(message);
    return;
  }
  last.content = join(last.content, message.content);
  if (message.toolCalls !== undefined && message.toolCalls.length > 0) last.toolCalls = [...(last.toolCalls ?? []), ...message.toolCalls];
}

function copy(m: ChatMessage): ChatMessage {
  const out: ChatMessage = { role: m.role, content: m.content };
  if (m.toolCalls !== undefined && m.toolCalls.length > 0) out.toolCalls = [...m.toolCalls];
  if (m.toolCallId !== undefined) out.toolCallId = m.toolCallId;
  if (m.name !== undefined) out.name = m.name;
  return out;
}

/** Joins the non-empty texts with a blank line. */
function join(...texts: string[]): string {
  return texts.filter((t) => t !== '').join(JOINER);
}
