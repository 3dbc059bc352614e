/**
 * Decides once, when a model loads, how its chat template is used: probe it with the conversation shapes
 * of template-probes.ts under each way of passing ids and arguments, and keep the first way that renders
 * every shape cleanly. Templates that raise on a shape no input style avoids (role-alternation checks that
 * reject a user message after a tool result, Jinja the renderer cannot evaluate), or that are known broken
 * (`[CALL_ID]` without the id, arguments encoded twice), are replaced by the built-in renderer, with the
 * reason. Requests then never pay for the probing; a per-request fallback remains as the safety net.
 */
import type { Template } from '@huggingface/jinja';
import { nineCharCallIdFor } from './call-ids.ts';
import { normaliseMessages } from './message-normaliser.ts';
import { PROBE_ARGUMENTS, PROBE_SHAPES, PROBE_TOOL, type ProbeShape } from './template-probes.ts';
import { renderTemplate } from './template-render.ts';
import { type TemplateInputStyle, toTemplateMessages, toTemplateTools } from './template-shapes.ts';
import type { ToolCallFormat } from './tool-call-format.ts';
import { DEFAULT_TOOL_CALL_FORMAT, TOOL_CALL_FORMATS } from './tool-call-formats.ts';

export type TemplateProfile =
  | {
      renderer: 'model';
      style: TemplateInputStyle;
      format: ToolCallFormat;
      /** False when no tool call rendered in a known syntax (the default format is assumed). */
      formatRecognised: boolean;
    }
  | { renderer: 'builtin'; format: ToolCallFormat; reason: string };

/** Preferred first: the client's own ids and argument text, changed only when the template needs it. */
const STYLES: readonly TemplateInputStyle[] = [
  { ids: 'client', arguments: 'string' },
  { ids: 'nine', arguments: 'string' },
  { ids: 'client', arguments: 'object' },
  { ids: 'nine', arguments: 'object' },
];

interface Trial {
  style: TemplateInputStyle;
  failures: string[];
  format: ToolCallFormat | undefined;
}

export function profileTemplate(template: Template, tokens: { bosToken: string; eosToken: string }): TemplateProfile {
  const trials: Trial[] = [];
  for (const style of STYLES) {
    const trial = tryStyle(template, tokens, style);
    if (trial.failures.length === 0) {
      return { renderer: 'model', style, format: trial.format ?? DEFAULT_TOOL_CALL_FORMAT, formatRecognised: trial.format !== undefined };
    }
    trials.push(trial);
  }
  // The reason reported comes from the style that failed least; on a tie, from the most adapted one.
  const closest = trials.reduce((best, t) => (t.failures.length <= best.failures.length ? t : best));
  const format = trials.find((t) => t.format !== undefined)?.format ?? DEFAULT_TOOL_CALL_FORMAT;
  return { renderer: 'builtin', format, reason: closest.failures[0] ?? 'unknown' };
}

function tryStyle(template: Template, tokens: { bosToken: string; eosToken: string }, style: TemplateInputStyle): Trial {
  const trial: Trial = { style, failures: [], format: undefined };
  for (const shape of PROBE_SHAPES) {
    let rendered: string;
    try {
      rendered = renderTemplate(template, {
        messages: toTemplateMessages(normaliseMessages(shape.messages), style, nineCharCallIdFor),
        tools: shape.withTools ? toTemplateTools([PROBE_TOOL]) : undefined,
        ...tokens,
      });
    } catch (error) {
      trial.failures.push(`raises "${error instanceof Error ? error.message : String(error)}" on ${shape.name}`);
      continue;
    }
    const problem = checkCalls(rendered, shape, style, trial);
    if (problem !== undefined) trial.failures.push(`${problem} (${shape.name})`);
  }
  return trial;
}

/** Checks how the tool calls of `shape` came out, and records the syntax they were written in. */
function checkCalls(rendered: string, shape: ProbeShape, style: TemplateInputStyle, trial: Trial): string | undefined {
  const calls = shape.messages.flatMap((m) => m.toolCalls ?? []);
  if (calls.length === 0) return undefined;
  if (style.arguments === 'string' && rendered.includes(JSON.stringify(PROBE_ARGUMENTS))) {
    return 'encodes tool-call arguments a second time (it applies tojson to them)';
  }
  for (const call of calls) {
    const shown = { name: call.name, id: style.ids === 'nine' ? nineCharCallIdFor(call.id) : call.id };
    for (const format of TOOL_CALL_FORMATS) {
      const how = format.shows(rendered, shown);
      if (how === 'no') continue;
      trial.format ??= format;
      if (how === 'without-id') return `writes ${format.markers.callId} without the call's id`;
      if (format !== trial.format) return `writes tool calls in two syntaxes (${trial.format.name} and ${format.name})`;
      if (format.idsInPrompt && style.ids === 'client') return `shows tool-call ids (${format.name}), which must be 9 alphanumerics`;
      break;
    }
  }
  return undefined;
}
