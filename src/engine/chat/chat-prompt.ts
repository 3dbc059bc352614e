/**
 * Renders a chat request into prompt segments: messages normalised (message-normaliser.ts), then the
 * model's own chat template (Jinja, evaluated by @huggingface/jinja) the way its load-time profile says
 * (template-profile.ts), or the built-in Devstral renderer when the model has no template or its
 * template cannot be trusted. A template that still raises on a request is replaced by the built-in
 * renderer for that request; each reason is logged once.
 */
import { Template } from '@huggingface/jinja';
import type { Logger } from '../../lib/logger.ts';
import type { ChatMessage, ToolDefinition } from '../inference/types.ts';
import { nineCharCallIdFor } from './call-ids.ts';
import { renderDevstralPrompt } from './devstral-prompt.ts';
import { normaliseMessages } from './message-normaliser.ts';
import { type PromptSegment, SpecialTextGuard } from './special-text-guard.ts';
import { profileTemplate, type TemplateProfile } from './template-profile.ts';
import { renderTemplate } from './template-render.ts';
import { type TemplateInputStyle, type TemplateValueGuard, toTemplateMessages, toTemplateTools } from './template-shapes.ts';
import type { ToolCallFormat } from './tool-call-format.ts';
import { DEFAULT_TOOL_CALL_FORMAT } from './tool-call-formats.ts';

export interface ChatTemplateText {
  source: string;
  /** Where it came from, for logs: 'gguf' or a file path. */
  origin: string;
}

export interface ChatPromptOptions {
  /** A Jinja chat template (the GGUF's or the operator's); undefined → the built-in renderer. */
  template: ChatTemplateText | undefined;
  /** Why there is no template, when there is none (logged). Default: the model has none. */
  noTemplateReason?: string;
  bosToken: string;
  eosToken: string;
  /** Whether a string tokenizes to exactly one control token (memoise it; it is called often). */
  isSpecialText: (text: string) => boolean;
  logger: Logger;
  /** Names the model in log lines. */
  modelId: string;
}

export interface ChatPromptInput {
  messages: readonly ChatMessage[];
  /** Empty → the template gets no `tools` variable at all. */
  tools: readonly ToolDefinition[];
}

export interface RenderedPrompt {
  segments: PromptSegment[];
  /** Id shown in the prompt → the client's id, for ids that were changed to fit the template. */
  callIds: ReadonlyMap<string, string>;
}

export interface ChatPromptRenderer {
  /** 'model' when the template renders requests, 'builtin' when the built-in renderer does. */
  readonly source: 'model' | 'builtin';
  /** Why the built-in renderer is used (undefined when the template is). */
  readonly reason: string | undefined;
  /** The tool-call syntax of prompts and output. */
  readonly format: ToolCallFormat;
  render(input: ChatPromptInput): RenderedPrompt;
}

export function createChatPromptRenderer(options: ChatPromptOptions): ChatPromptRenderer {
  const { logger, modelId } = options;
  const profile = decide(options);
  const format = profile.format;
  const template = profile.renderer === 'model' ? profile.template : undefined;
  const builtinStyle: TemplateInputStyle = { ids: format.idsInPrompt ? 'nine' : 'client', arguments: 'string' };
  const reported = new Set<string>();

  if (profile.renderer === 'model') {
    logger.info('chat template: the model’s own', {
      model: modelId,
      origin: options.template?.origin,
      toolCallFormat: format.name,
      ...(profile.formatRecognised ? {} : { note: `no known tool-call syntax in the template; ${format.name} is assumed` }),
      ids: profile.style.ids,
      arguments: profile.style.arguments,
    });
  } else if (options.template === undefined) {
    logger.info('chat template: built-in', { model: modelId, reason: profile.reason, toolCallFormat: format.name });
  } else {
    logger.warn('chat template: built-in, replacing the model’s', {
      model: modelId,
      origin: options.template.origin,
      reason: profile.reason,
      toolCallFormat: format.name,
    });
  }

  const renderWith = (input: ChatPromptInput, style: TemplateInputStyle, render: (ctx: RenderContext) => string): RenderedPrompt => {
    const guard = new SpecialTextGuard(options.isSpecialText);
    const valueGuard: TemplateValueGuard = { protect: (s) => guard.protect(s), protectDeep: (v) => guard.protectDeep(v) };
    const messages = normaliseMessages(input.messages);
    const text = render({
      messages: toTemplateMessages(messages, style, nineCharCallIdFor, valueGuard),
      tools: input.tools.length > 0 ? toTemplateTools(input.tools, valueGuard) : undefined,
      bosToken: options.bosToken,
      eosToken: options.eosToken,
    });
    return { segments: guard.split(text), callIds: changedIds(messages, style) };
  };
  const builtin = (input: ChatPromptInput): RenderedPrompt =>
    renderWith(input, builtinStyle, (ctx) => renderDevstralPrompt({ ...ctx, format }));

  return {
    source: profile.renderer,
    reason: profile.renderer === 'builtin' ? profile.reason : undefined,
    format,
    render(input) {
      if (template === undefined || profile.renderer !== 'model') return builtin(input);
      try {
        return renderWith(input, profile.style, (ctx) => renderTemplate(template, ctx));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (!reported.has(reason)) {
          reported.add(reason);
          logger.warn('chat template raised on a request; the built-in renderer answers it', { model: modelId, reason });
        }
        return builtin(input);
      }
    },
  };
}

type RenderContext = Parameters<typeof renderTemplate>[1];

type Decision = (TemplateProfile & { renderer: 'model'; template: Template }) | (TemplateProfile & { renderer: 'builtin' });

function decide(options: ChatPromptOptions): Decision {
  if (options.template === undefined) {
    return { renderer: 'builtin', format: DEFAULT_TOOL_CALL_FORMAT, reason: options.noTemplateReason ?? 'the model has no chat template' };
  }
  let template: Template;
  try {
    template = new Template(options.template.source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { renderer: 'builtin', format: DEFAULT_TOOL_CALL_FORMAT, reason: `cannot be parsed: ${message}` };
  }
  const profile = profileTemplate(template, { bosToken: options.bosToken, eosToken: options.eosToken });
  return profile.renderer === 'model' ? { ...profile, template } : profile;
}

function changedIds(messages: readonly ChatMessage[], style: TemplateInputStyle): Map<string, string> {
  const ids = new Map<string, string>();
  if (style.ids === 'client') return ids;
  for (const m of messages) {
    for (const id of [...(m.toolCalls ?? []).map((c) => c.id), ...(m.toolCallId === undefined ? [] : [m.toolCallId])]) {
      const shown = nineCharCallIdFor(id);
      if (shown !== id) ids.set(shown, id);
    }
  }
  return ids;
}
