/**
 * POST /v1/chat/completions body: parsed once with zod (unknown fields stripped, as clients send many),
 * then translated to the core's `GenerationInput`. OpenAI names stay on this side of the line.
 */
import { z } from 'zod';
import type { ChatMessage, GenerationInput, ResponseFormat, SamplingParams, ToolChoice, ToolDefinition } from '../inference/types.ts';
import { InvalidRequestError } from './api-errors.ts';
import { samplingFields, toSamplingParams } from './sampling-fields.ts';
import { zodIssueToError } from './zod-issue-to-error.ts';

const textPart = z.object({
  type: z.literal('text', { error: 'only text content parts are supported' }),
  text: z.string(),
});
const content = z.union([z.string(), z.array(textPart)], { error: 'expected a string or an array of text parts' });

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion(
  'role',
  [
    z.object({ role: z.enum(['system', 'developer']), content, name: z.string().optional() }),
    z.object({ role: z.literal('user'), content, name: z.string().optional() }),
    z.object({
      role: z.literal('assistant'),
      content: content.nullish(),
      tool_calls: z.array(toolCall).nullish(),
      name: z.string().optional(),
    }),
    z.object({ role: z.literal('tool'), content, tool_call_id: z.string() }),
  ],
  { error: "expected one of 'system', 'developer', 'user', 'assistant', 'tool'" },
);

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toolChoice = z.union(
  [z.enum(['auto', 'none', 'required']), z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) })],
  { error: "expected 'auto', 'none', 'required' or {type: 'function', function: {name}}" },
);

const responseFormat = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('text') }),
    z.object({ type: z.literal('json_object') }),
    z.object({
      type: z.literal('json_schema'),
      json_schema: z.object({ name: z.string().default('response'), schema: z.record(z.string(), z.unknown()).default({}) }),
    }),
  ],
  { error: "expected type 'text', 'json_object' or 'json_schema'" },
);

export const chatCompletionRequestSchema = z.object({
  ...samplingFields,
  messages: z.array(message).min(1, { error: 'messages must not be empty' }),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  response_format: responseFormat.nullish(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;

export interface ParsedChatRequest {
  input: Extract<GenerationInput, { kind: 'chat' }>;
  stream: boolean;
  includeUsage: boolean;
}

/** Text parts are separate paragraphs (as llama.cpp joins them); null content (Cline) is "", as templates expect. */
function joinContent(value: string | { text: string }[] | null | undefined): string {
  if (value == null) return '';
  return typeof value === 'string' ? value : value.map((p) => p.text).join('\n\n');
}

function toMessage(m: ChatCompletionRequestBody['messages'][number], index: number): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: joinContent(m.content) };
    case 'user':
      return { role: 'user', content: joinContent(m.content) };
    case 'tool':
      return { role: 'tool', content: joinContent(m.content), toolCallId: m.tool_call_id };
    case 'assistant': {
      const calls = m.tool_calls ?? [];
      const text = joinContent(m.content);
      if (text === '' && calls.length === 0) {
        throw new InvalidRequestError('An assistant message needs content or tool_calls.', {
          param: `messages.${index}.content`,
          code: 'invalid_value',
        });
      }
      const out: ChatMessage = { role: 'assistant', content: text };
      if (calls.length > 0) out.toolCalls = calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      return out;
    }
  }
}

function toToolChoice(choice: ChatCompletionRequestBody['tool_choice'], tools: ToolDefinition[]): ToolChoice {
  if (choice == null) return { type: tools.length > 0 ? 'auto' : 'none' };
  if (typeof choice === 'string') {
    if (choice === 'required' && tools.length === 0) {
      throw new InvalidRequestError("tool_choice 'required' needs at least one tool.", { param: 'tool_choice' });
    }
    return { type: choice };
  }
  const name = choice.function.name;
  if (!tools.some((t) => t.name === name)) {
    throw new InvalidRequestError(`tool_choice names the function '${name}', which is not in tools.`, {
      param: 'tool_choice.function.name',
    });
  }
  return { type: 'function', name };
}

function toResponseFormat(format: ChatCompletionRequestBody['response_format']): ResponseFormat {
  if (format == null || format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json_object' };
  return { type: 'json_schema', name: format.json_schema.name, schema: format.json_schema.schema };
}

/** Parses a JSON body; throws `InvalidRequestError` with `param` naming the first bad field. */
export function parseChatRequest(body: unknown, defaults: Partial<SamplingParams>): ParsedChatRequest {
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw zodIssueToError(parsed.error);
  const req = parsed.data;
  const tools: ToolDefinition[] = (req.tools ?? []).map((t) => {
    const def: ToolDefinition = { name: t.function.name };
    if (t.function.description !== undefined) def.description = t.function.description;
    if (t.function.parameters !== undefined) def.parameters = t.function.parameters;
    return def;
  });
  const input: ParsedChatRequest['input'] = {
    kind: 'chat',
    messages: req.messages.map(toMessage),
    tools,
    toolChoice: toToolChoice(req.tool_choice, tools),
    responseFormat: toResponseFormat(req.response_format),
    sampling: toSamplingParams(req, defaults),
  };
  if (req.parallel_tool_calls === false) input.parallelToolCalls = false;
  return {
    input,
    stream: req.stream === true,
    includeUsage: req.stream_options?.include_usage === true,
  };
}
