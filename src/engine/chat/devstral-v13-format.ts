/**
 * Devstral Small 2 (Mistral tokenizer v13): `[TOOL_CALLS]name[ARGS]{json}` per call, results as
 * `[TOOL_RESULTS]text[/TOOL_RESULTS]`. Call ids never appear in the prompt, so clients get OpenAI-style ids.
 */
import { newToolCallId } from './call-ids.ts';
import { markerToolCallFormat } from './tool-call-format.ts';

export const devstralV13Format = markerToolCallFormat({
  name: 'devstral-v13',
  markers: { call: '[TOOL_CALLS]', args: '[ARGS]' },
  // Not in the prompt, so not in the model's context: a random id changes nothing the model sees.
  newCallId: () => newToolCallId(),
  renderToolResult: (m) => `[TOOL_RESULTS]${m.content}[/TOOL_RESULTS]`,
});
