/**
 * The model's chat setup, decided once at load: the prompt renderer (its template, the operator's, or
 * the built-in one) and the tool-call syntax resolved to the model's control tokens.
 */
import type { Token } from 'node-llama-cpp';
import type { Logger } from '../../lib/logger.ts';
import { type ChatPromptRenderer, type ChatTemplateText, createChatPromptRenderer } from '../chat/chat-prompt.ts';
import type { ToolCallFormat } from '../chat/tool-call-format.ts';
import type { ParserInput } from '../chat/tool-call-parser.ts';
import type { ModelVocab } from './model-vocab.ts';
import type { ChatTemplateOverride } from './types.ts';

/** A tool-call format whose markers are control tokens of this model. */
export interface ToolSyntax {
  readonly format: ToolCallFormat;
  readonly call: Token;
  readonly args: Token;
  /** The token the model writes after a complete name (`args`, or the call-id marker). */
  readonly nameEnd: Token;
  /** Markers as their control tokens, text as plain text. */
  tokensOf(inputs: readonly ParserInput[]): Token[];
}

export interface ModelChat {
  renderer: ChatPromptRenderer;
  /** Undefined when the vocabulary lacks the format's markers: tools are then not offered to the model. */
  toolSyntax: ToolSyntax | undefined;
}

export function createModelChat(
  vocab: ModelVocab,
  config: { modelId: string; chatTemplate?: ChatTemplateOverride | undefined },
  logger: Logger,
): ModelChat {
  const override = config.chatTemplate;
  let template: ChatTemplateText | undefined;
  if (override?.format === 'jinja') template = { source: override.source, origin: override.origin };
  else if (override === undefined && vocab.chatTemplate !== undefined) template = { source: vocab.chatTemplate, origin: 'gguf' };
  const renderer = createChatPromptRenderer({
    template,
    ...(override?.format === 'builtin' ? { noTemplateReason: 'chat_template_format is builtin' } : {}),
    bosToken: vocab.bosText,
    eosToken: vocab.eosText,
    isSpecialText: (t) => vocab.isSpecialText(t),
    logger,
    modelId: config.modelId,
  });
  return { renderer, toolSyntax: resolveToolSyntax(renderer.format, vocab) };
}

export function resolveToolSyntax(format: ToolCallFormat, vocab: ModelVocab): ToolSyntax | undefined {
  const call = vocab.controlToken(format.markers.call);
  const args = vocab.controlToken(format.markers.args);
  const callIdMarker = format.markers.callId;
  const callId = callIdMarker === undefined ? undefined : vocab.controlToken(callIdMarker);
  if (call === undefined || args === undefined || (callIdMarker !== undefined && callId === undefined)) return undefined;
  const marker = { call, args, 'call-id': callId };
  return {
    format,
    call,
    args,
    nameEnd: callId ?? args,
    tokensOf(inputs) {
      return inputs.flatMap((input) => (input.type === 'text' ? vocab.tokenizeText(input.text, false) : [marker[input.marker] as Token]));
    },
  };
}
