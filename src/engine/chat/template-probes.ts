/**
 * The conversation shapes a chat template is tried on when a model loads: what Cline and Continue send
 * (opening turn, tool rounds with `call_…` or 9-character ids, user text after a tool result, two calls in
 * one turn) and what real templates are known to reject (two users in a row, a late system message).
 * They go through the same normalisation as requests, so a template is judged on what it will really see.
 */
import type { ChatMessage, ToolCall, ToolDefinition } from '../inference/types.ts';

export interface ProbeShape {
  name: string;
  messages: ChatMessage[];
  /** Whether the tool list is passed. */
  withTools: boolean;
}

export const PROBE_TOOL: ToolDefinition = {
  name: 'read_file',
  description: 'Read a file of the workspace.',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/** Contains quotes, so arguments encoded a second time (`tojson` on a string) show as `\"`. */
export const PROBE_ARGUMENTS = '{"path": "src/app.ts"}';

const OPENAI_ID = 'call_Pr0beOpenAiStyleId0000001';
const OPENAI_ID_2 = 'call_Pr0beOpenAiStyleId0000002';
const NINE_CHAR_ID = 'pR0be9chr';

const call = (id: string, name = PROBE_TOOL.name): ToolCall => ({ id, name, arguments: PROBE_ARGUMENTS });
const system: ChatMessage = { role: 'system', content: 'You are a coding agent.' };
const user = (content = 'Show me src/app.ts.'): ChatMessage => ({ role: 'user', content });
const calls = (...toolCalls: ToolCall[]): ChatMessage => ({ role: 'assistant', content: '', toolCalls });
const result = (id: string): ChatMessage => ({ role: 'tool', content: 'export const app = 1;', toolCallId: id });
const answer: ChatMessage = { role: 'assistant', content: 'It exports app.' };

export const PROBE_SHAPES: readonly ProbeShape[] = [
  { name: 'a first turn', messages: [system, user()], withTools: true },
  { name: 'a first turn without tools', messages: [system, user()], withTools: false },
  { name: 'no system message', messages: [user()], withTools: true },
  { name: 'a tool round', messages: [system, user(), calls(call(OPENAI_ID)), result(OPENAI_ID)], withTools: true },
  {
    name: 'a tool round then a user message',
    messages: [system, user(), calls(call(OPENAI_ID)), result(OPENAI_ID), user('Now explain it.')],
    withTools: true,
  },
  {
    name: 'a tool round with 9-character ids',
    messages: [system, user(), calls(call(NINE_CHAR_ID)), result(NINE_CHAR_ID), user('Now explain it.')],
    withTools: true,
  },
  {
    name: 'two tool calls in one turn',
    messages: [system, user(), calls(call(OPENAI_ID), call(OPENAI_ID_2)), result(OPENAI_ID), result(OPENAI_ID_2)],
    withTools: true,
  },
  {
    name: 'text and a tool call in one turn',
    messages: [system, user(), { ...calls(call(OPENAI_ID)), content: 'Let me look.' }, result(OPENAI_ID)],
    withTools: true,
  },
  { name: 'an answer then a user message', messages: [system, user(), answer, user('Thanks.')], withTools: true },
  { name: 'two users in a row', messages: [system, user(), user('Be quick.')], withTools: true },
  {
    name: 'a late system message',
    messages: [system, user(), answer, { role: 'system', content: 'The user switched to plan mode.' }, user('Go on.')],
    withTools: true,
  },
];
