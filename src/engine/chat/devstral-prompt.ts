/**
 * Built-in renderer for models whose GGUF carries no `tokenizer.chat_template`. It writes the
 * Devstral Small 2 layout:
 *
 *   <s>[SYSTEM_PROMPT]system[/SYSTEM_PROMPT][AVAILABLE_TOOLS][tools json][/AVAILABLE_TOOLS]
 *   [INST]user[/INST]answer[TOOL_CALLS]name[ARGS]{json}</s>[TOOL_RESULTS]result[/TOOL_RESULTS]...
 *
 * Differences from the model's own template, on purpose: no default system prompt is injected,
 * consecutive same-role messages are accepted, tools are listed right after the system prompt (JSON in
 * OpenAI shape with Python's separators, as Mistral's tooling writes it), and
 * later system messages are rendered in place as [SYSTEM_PROMPT] blocks.
 */
import { pythonJson } from './python-json.ts';
import type { TemplateMessage, TemplateTool } from './template-shapes.ts';

export interface DevstralPromptInput {
  messages: TemplateMessage[];
  tools: TemplateTool[] | undefined;
  bosToken: string;
  eosToken: string;
}

export function renderDevstralPrompt(input: DevstralPromptInput): string {
  const { messages, tools, bosToken, eosToken } = input;
  let out = bosToken;
  let rest = messages;
  const first = messages[0];
  if (first?.role === 'system') {
    out += `[SYSTEM_PROMPT]${first.content ?? ''}[/SYSTEM_PROMPT]`;
    rest = messages.slice(1);
  }
  if (tools !== undefined && tools.length > 0) out += `[AVAILABLE_TOOLS]${pythonJson(tools)}[/AVAILABLE_TOOLS]`;
  for (const m of rest) {
    switch (m.role) {
      case 'system':
        out += `[SYSTEM_PROMPT]${m.content ?? ''}[/SYSTEM_PROMPT]`;
        break;
      case 'user':
        out += `[INST]${m.content ?? ''}[/INST]`;
        break;
      case 'assistant':
        out += m.content ?? '';
        for (const call of m.tool_calls ?? []) out += `[TOOL_CALLS]${call.function.name}[ARGS]${call.function.arguments}`;
        out += eosToken;
        break;
      case 'tool':
        out += `[TOOL_RESULTS]${m.content ?? ''}[/TOOL_RESULTS]`;
        break;
    }
  }
  return out;
}
