/**
 * The message and tool shapes chat templates are written against (OpenAI / Hugging Face
 * conventions), built from the core's own (normalised) types.
 */
import type { ChatMessage, ToolDefinition } from '../inference/types.ts';

export interface TemplateToolCall {
  id: string;
  type: 'function';
  /** JSON text, or the parsed object for templates that apply `tojson` to it. */
  function: { name: string; arguments: string | Record<string, unknown> };
}

export interface TemplateMessage {
  role: ChatMessage['role'];
  content: string;
  tool_calls?: TemplateToolCall[];
  tool_call_id?: string;
  name?: string;
}

export interface TemplateTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

/** How a template wants ids and arguments (decided per template when it is loaded). */
export interface TemplateInputStyle {
  /** 'nine': ids as 9 alphanumerics (`[CALL_ID]` templates); 'client': the client's own ids. */
  ids: 'client' | 'nine';
  /** 'object' for templates that apply `tojson` to the arguments (a string would be encoded twice). */
  arguments: 'string' | 'object';
}

export interface TemplateValueGuard {
  /** Neutralises control-token text inside a user string (see special-text-guard.ts). */
  protect: (s: string) => string;
  protectDeep: <T>(v: T) => T;
}

const NO_GUARD: TemplateValueGuard = { protect: (s) => s, protectDeep: (v) => v };

export function toTemplateMessages(
  messages: readonly ChatMessage[],
  style: TemplateInputStyle,
  callId: (clientId: string) => string,
  guard: TemplateValueGuard = NO_GUARD,
): TemplateMessage[] {
  const id = (clientId: string): string => (style.ids === 'nine' ? callId(clientId) : clientId);
  return messages.map((m) => {
    const out: TemplateMessage = { role: m.role, content: guard.protect(m.content) };
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((c) => ({
        id: id(c.id),
        type: 'function',
        function: { name: guard.protect(c.name), arguments: templateArguments(c.arguments, style, guard) },
      }));
    }
    if (m.toolCallId !== undefined) out.tool_call_id = id(m.toolCallId);
    if (m.name !== undefined) out.name = guard.protect(m.name);
    return out;
  });
}

function templateArguments(text: string, style: TemplateInputStyle, guard: TemplateValueGuard): string | Record<string, unknown> {
  if (style.arguments === 'object') {
    const value = parseObject(text);
    // Arguments that are not a JSON object stay text: there is nothing better to give the template.
    if (value !== undefined) return guard.protectDeep(value);
  }
  return guard.protect(text);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function toTemplateTools(tools: readonly ToolDefinition[], guard: TemplateValueGuard = NO_GUARD): TemplateTool[] {
  return tools.map((t) => {
    const fn: TemplateTool['function'] = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.parameters !== undefined) fn.parameters = t.parameters;
    return { type: 'function', function: guard.protectDeep(fn) };
  });
}
