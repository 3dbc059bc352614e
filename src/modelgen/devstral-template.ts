/**
 * The chat template embedded in every generated model (`tokenizer.chat_template`). It reproduces the
 * prompt format of Devstral Small 2 so that the engine's template rendering and tool-call parsing are
 * exercised with the real syntax:
 *
 *   <s>[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][AVAILABLE_TOOLS][…tools json…][/AVAILABLE_TOOLS][INST]user[/INST]
 *   answer</s>[TOOL_CALLS]name[ARGS]{json}</s>[TOOL_RESULTS]result[/TOOL_RESULTS]
 *
 * Inputs: `messages` (OpenAI shape; content a string, null, or a list of text parts), `tools` (OpenAI tool
 * objects, optional), `bos_token`, `eos_token`, `add_generation_prompt` (a no-op: a Mistral-style prompt
 * already ends with `[/INST]` or `[/TOOL_RESULTS]`). Unknown roles raise.
 */
export const DEVSTRAL_CHAT_TEMPLATE = [
  '{%- macro render_content(content) -%}',
  '{%- if content is string -%}{{ content }}',
  '{%- elif content is iterable -%}',
  '{%- for part in content -%}{%- if part.type == "text" -%}{{ part.text }}{%- endif -%}{%- endfor -%}',
  '{%- endif -%}',
  '{%- endmacro -%}',
  '{%- set ns = namespace(last_user=-1) -%}',
  '{%- for message in messages -%}',
  '{%- if message.role == "user" -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}',
  '{%- endfor -%}',
  '{{- bos_token -}}',
  '{%- for message in messages -%}',
  '{%- if message.role == "system" -%}',
  '[SYSTEM_PROMPT]{{ render_content(message.content) }}[/SYSTEM_PROMPT]',
  '{%- elif message.role == "user" -%}',
  '{%- if tools and loop.index0 == ns.last_user -%}[AVAILABLE_TOOLS]{{ tools | tojson }}[/AVAILABLE_TOOLS]{%- endif -%}',
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
