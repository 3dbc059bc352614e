/**
 * The message and tool shapes chat templates are written against (OpenAI / Hugging Face
 * conventions), built from the core's own types.
 */
import type { ChatMessage, ToolDefinition } from '../inference/types.ts';

export interface TemplateToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface TemplateMessage {
  role: ChatMessage['role'];
  content: string | null;
  tool_calls?: TemplateToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface TemplateTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** `protect` neutralises control-token text inside user strings (see special-text-guard.ts). */
export function toTemplateMessages(messages: readonly ChatMessage[], protect: (s: string) => string): TemplateMessage[] {
  return messages.map((m) => {
    const out: TemplateMessage = { role: m.role, content: m.content === null ? null : protect(m.content) };
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: protect(c.name), arguments: protect(c.arguments) },
      }));
    }
    if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
    if (m.name !== undefined) out.name = protect(m.name);
    return out;
  });
}

export function toTemplateTools(tools: readonly ToolDefinition[], protectDeep: <T>(v: T) => T): TemplateTool[] {
  return tools.map((t) => {
    const fn: TemplateTool['function'] = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.parameters !== undefined) fn.parameters = t.parameters;
    return { type: 'function', function: protectDeep(fn) };
  });
}
