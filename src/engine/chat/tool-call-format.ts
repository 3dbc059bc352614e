/**
 * The seam between the engine and a model family's tool-call syntax. Everything that knows how a call
 * looks in a prompt or in the model's output goes through a `ToolCallFormat`: the control-token markers
 * (steering and grammars key on them), how the built-in renderer writes calls and results, how template
 * probing recognises them, and the streaming parser. A new model family is one file that builds a format
 * (see devstral-v13-format.ts) plus one line in tool-call-formats.ts.
 *
 * Marker-based formats (Mistral's) share one implementation: `[TOOL_CALLS]name` then an optional id
 * section then `[ARGS]{json}`.
 */
import { pythonJson } from './python-json.ts';
import type { TemplateMessage, TemplateToolCall } from './template-shapes.ts';
import { type ParserInput, ToolCallParser } from './tool-call-parser.ts';

/** Control-token texts of a marker-based format. */
export interface ToolCallMarkers {
  /** Opens a call, before the name. */
  call: string;
  /** Opens the arguments. */
  args: string;
  /** Opens the call id, in formats that write one between the name and the arguments. */
  callId?: string;
}

export type CallShown = 'yes' | 'no' | 'without-id';

export interface ToolCallFormat {
  /** Logged, and reported per model. */
  readonly name: string;
  readonly markers: ToolCallMarkers;
  /** True when a prompt shows call ids: clients' ids are then shown as 9 alphanumerics (call-ids.ts). */
  readonly idsInPrompt: boolean;
  /** The control token the model writes right after a complete name. */
  readonly nameEnd: string;
  /**
   * An id for a call the model makes (the engine writes it into the output for id formats). `seed` names the
   * prompt and the call's position; formats whose ids the model sees derive the id from it.
   */
  newCallId(seed: string): string;
  /** From a complete name to the arguments: the markers and id text, in order. */
  nameSuffix(id: string): ParserInput[];
  /** One call as it appears in a prompt. */
  renderCall(call: TemplateToolCall): string;
  /** One tool result as it appears in a prompt. */
  renderToolResult(message: TemplateMessage): string;
  /** Whether a rendered prompt shows `call` in this syntax (template probing). */
  shows(rendered: string, call: { name: string; id: string }): CallShown;
  /** `resolveId` maps the id read from the output (undefined when the format has none) to the client's id. */
  createParser(resolveId: (idInOutput: string | undefined) => string): ToolCallParser;
}

export interface MarkerFormatSpec {
  name: string;
  markers: ToolCallMarkers;
  newCallId: (seed: string) => string;
  renderToolResult: (message: TemplateMessage) => string;
}

export function markerToolCallFormat(spec: MarkerFormatSpec): ToolCallFormat {
  const { markers } = spec;
  const callIdMarker = markers.callId;
  const suffix = (id: string): ParserInput[] =>
    callIdMarker === undefined
      ? [{ type: 'marker', marker: 'args' }]
      : [
          { type: 'marker', marker: 'call-id' },
          { type: 'text', text: id },
          { type: 'marker', marker: 'args' },
        ];
  const suffixText = (id: string): string => (callIdMarker === undefined ? markers.args : `${callIdMarker}${id}${markers.args}`);
  return {
    name: spec.name,
    markers,
    idsInPrompt: callIdMarker !== undefined,
    nameEnd: callIdMarker ?? markers.args,
    newCallId: spec.newCallId,
    nameSuffix: suffix,
    renderCall(call) {
      const args = typeof call.function.arguments === 'string' ? call.function.arguments : pythonJson(call.function.arguments);
      return `${markers.call}${call.function.name}${suffixText(call.id)}${args}`;
    },
    renderToolResult: spec.renderToolResult,
    shows(rendered, call) {
      if (rendered.includes(`${markers.call}${call.name}${suffixText(call.id)}`)) return 'yes';
      if (callIdMarker !== undefined && rendered.includes(`${markers.call}${call.name}${callIdMarker}`)) return 'without-id';
      return 'no';
    },
    createParser(resolveId) {
      return new ToolCallParser(resolveId);
    },
  };
}
