/**
 * The chat template embedded in generated models (`tokenizer.chat_template`) unless a test supplies its
 * own. It reproduces the prompt layout of Devstral Small 2 (v13) so that the engine's template rendering
 * and tool-call parsing are exercised with the real syntax:
 *
 *   <s>[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][AVAILABLE_TOOLS][…tools json…][/AVAILABLE_TOOLS][INST]user[/INST]
 *   answer</s>[INST]user[/INST][TOOL_CALLS]name[ARGS]{json}</s>[TOOL_RESULTS]result[/TOOL_RESULTS]
 *
 * The tool list follows the leading system prompt, before the first user message, as in the real template.
 * Inputs: `messages` (OpenAI shape; content a string, null, or a list of text parts), `tools` (OpenAI tool
 * objects, optional), `bos_token`, `eos_token`, `add_generation_prompt` (a no-op: a Mistral-style prompt
 * already ends with `[/INST]` or `[/TOOL_RESULTS]`). It is lenient on purpose (any role order, null content,
 * any id); the strict templates that reproduce real failures live with the tests. Unknown roles raise.
 */
export const DEVSTRAL_CHAT_TEMPLATE = [
  '{%- macro render_content(content) -%}',
  '{%- if content is string -%}{{ content }}',
  '{%- elif content is iterable -%}',
  '{%- for part in content -%}{%- if part.type == "text" -%}{{ part.text }}{%- endif -%}{%- endfor -%}',
  '{%- endif -%}',
  '{%- endmacro -%}',
  '{{- bos_token -}}',
  '{%- if messages and messages[0].role == "system" -%}',
  '[SYSTEM_PROMPT]{{ render_content(messages[0].content) }}[/SYSTEM_PROMPT]',
  '{%- set rest = messages[1:] -%}',
  '{%- else -%}{%- set rest = messages -%}{%- endif -%}',
  '{%- if tools -%}[AVAILABLE_TOOLS]{{ tools | tojson }}[/AVAILABLE_TOOLS]{%- endif -%}',
  '{%- for message in rest -%}',
  '{%- if message.role == "system" -%}',
  '[SYSTEM_PROMPT]{{ render_content(message.content) }}[/SYSTEM_PROMPT]',
  '{%- elif message.role == "user" -%}',
  '[INST]{{ render_content(message.content) }}[/INST]',
  '{%- elif message.role == "assistant" -%}',
  '{{- render_content(message.content) -}}',
  '{%- if message.tool_calls -%}',
  '{%- for call in message.tool_calls -%}',
  '[TOOL_CALLS]{{ call.function.name }}[ARGS]',
  '{%- if call.function.arguments is string -%}{{ call.function.arguments }}',
  '{%- else -%}{{ call.function.arguments | tojson }}{%- endif -%}',
  '{%- endfor -%}',
  '{%- endif -%}',
  '{{- eos_token -}}',
  '{%- elif message.role == "tool" -%}',
  '[TOOL_RESULTS]{{ render_content(message.content) }}[/TOOL_RESULTS]',
  '{%- else -%}',
  '{{- raise_exception("Unknown message role: " + message.role) -}}',
  '{%- endif -%}',
  '{%- endfor -%}',
].join('\n');
