/**
 * The built-in renderer: the Devstral Small 2 (v13) layout, used for models without a chat template and
 * instead of templates that are broken or raise on what clients send (see template-profile.ts):
 *
 *   <s>[SYSTEM_PROMPT]system[/SYSTEM_PROMPT][AVAILABLE_TOOLS][tools json][/AVAILABLE_TOOLS]
 *   [INST]user[/INST]answer[TOOL_CALLS]name[ARGS]{json}</s>[TOOL_RESULTS]result[/TOOL_RESULTS]...
 *
 * Calls and results are written by the model's tool-call format (Devstral v13 by default; the `[CALL_ID]`
 * variant for models whose template shows ids). Messages arrive normalised (message-normaliser.ts), so a
 * system message can only come first. Differences from Mistral's own template, on purpose: no default
 * system prompt is injected (it would cost thousands of tokens per request); the tool list follows the
 * system prompt, before the first user message, as JSON in OpenAI shape with Python's separators (as
 * Mistral's tooling writes it); tool-call ids are not rendered in v13.
 */
import { pythonJson } from './python-json.ts';
import type { TemplateMessage, TemplateTool } from './template-shapes.ts';
import type { ToolCallFormat } from './tool-call-format.ts';

export interface DevstralPromptInput {
  messages: TemplateMessage[];
  tools: TemplateTool[] | undefined;
  bosToken: string;
  eosToken: string;
  format: ToolCallFormat;
}

export function renderDevstralPrompt(input: DevstralPromptInput): string {
  const { messages, tools, bosToken, eosToken, format } = input;
  let out = bosToken;
  let rest = messages;
  const first = messages[0];
  if (first?.role === 'system') {
    out += `[SYSTEM_PROMPT]${first.content}[/SYSTEM_PROMPT]`;
    rest = messages.slice(1);
  }
  if (tools !== undefined && tools.length > 0) out += `[AVAILABLE_TOOLS]${pythonJson(tools)}[/AVAILABLE_TOOLS]`;
  for (const m of rest) {
    switch (m.role) {
      case 'system':
        out += `[SYSTEM_PROMPT]${m.content}[/SYSTEM_PROMPT]`;
        break;
      case 'user':
        out += `[INST]${m.content}[/INST]`;
        break;
      case 'assistant':
        out += m.content;
        for (const call of m.tool_calls ?? []) out += format.renderCall(call);
        out += eosToken;
        break;
      case 'tool':
        out += format.renderToolResult(m);
        break;
    }
  }
  return out;
}
