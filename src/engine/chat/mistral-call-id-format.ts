/**
 * Mistral Small 3.2 and kin (tokenizer v11): `[TOOL_CALLS]name[CALL_ID]id[ARGS]{json}` per call, results as
 * `[TOOL_RESULTS]id[TOOL_CONTENT]text[/TOOL_RESULTS]`. Ids are 9 alphanumerics: clients' ids are mapped to
 * that shape deterministically, and the ids the engine writes for new calls already have it (derived from
 * the prompt and the call's position, so a greedy request is reproducible).
 */
import { derivedNineCharCallId } from './call-ids.ts';
import { markerToolCallFormat } from './tool-call-format.ts';

export const mistralCallIdFormat = markerToolCallFormat({
  name: 'mistral-call-id',
  markers: { call: '[TOOL_CALLS]', args: '[ARGS]', callId: '[CALL_ID]' },
  newCallId: derivedNineCharCallId,
  renderToolResult: (m) => `[TOOL_RESULTS]${m.tool_call_id ?? ''}[TOOL_CONTENT]${m.content}[/TOOL_RESULTS]`,
});
