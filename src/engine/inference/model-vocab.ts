/**
 * What the engine needs from the model's tokenizer: the chat template and its bos/eos strings, the
 * Devstral control tokens it steers generation with, and tokenization of rendered prompts.
 */
import { type LlamaModel, LlamaVocabularyType, type Token } from 'node-llama-cpp';
import { type ChatPromptRenderer, createChatPromptRenderer } from '../chat/chat-prompt.ts';
import type { PromptSegment } from '../chat/special-text-guard.ts';
import { type BudgetedTokens, tokenizeWithinBudget } from './token-budget.ts';

export interface ModelVocab {
  readonly chatTemplate: string | undefined;
  readonly bosText: string;
  readonly eosText: string;
  /** `[TOOL_CALLS]` and `[ARGS]` as single control tokens; undefined when the vocab lacks them. */
  readonly toolCallsToken: Token | undefined;
  readonly argsToken: Token | undefined;
  /** Control tokens that are not end-of-generation: never emitted as content. */
  readonly nonEogControlTokens: readonly Token[];
  isNonEogControl(token: Token): boolean;
  isSpecialText(text: string): boolean;
  /**
   * The most UTF-8 bytes one token spells (at least 4: an unknown character is one token); undefined
   * when the vocabulary type may drop input (WordPiece, Unigram normalisation), so length bounds nothing.
   */
  readonly maxTokenBytes: number | undefined;
  /** Template text with special-token parsing, literal user text without. */
  tokenizeSegments(segments: readonly PromptSegment[]): Token[];
  /** tokenizeSegments, stopping as soon as the prompt is known to need more than `budget` tokens. */
  tokenizeWithin(segments: readonly PromptSegment[], budget: number): BudgetedTokens;
  tokenizeText(text: string, special: boolean): Token[];
  isEog(token: Token): boolean;
}

export function createModelVocab(model: LlamaModel): ModelVocab {
  const cache = new Map<string, boolean>();
  const singleControl = (text: string): Token | undefined => {
    const tokens = model.tokenize(text, true);
    const only = tokens[0];
    return tokens.length === 1 && only !== undefined && model.isSpecialToken(only) ? only : undefined;
  };
  const nonEog: Token[] = [];
  let longest = 4;
  for (const token of model.iterateAllTokens()) {
    if (model.getTokenAttributes(token).control && !model.isEogToken(token)) nonEog.push(token);
    longest = Math.max(longest, Buffer.byteLength(model.detokenize([token], true), 'utf8'));
  }
  const lossless = model.vocabularyType === LlamaVocabularyType.bpe || model.vocabularyType === LlamaVocabularyType.spm;
  const maxTokenBytes = lossless ? longest : undefined;
  const tokenizeSegment = (s: PromptSegment) => model.tokenize(s.text, !s.literal);
  const nonEogSet = new Set(nonEog);
  const metadata = model.fileInfo.metadata as { tokenizer?: { chat_template?: unknown } };
  const template = metadata.tokenizer?.chat_template;
  return {
    chatTemplate: typeof template === 'string' && template.trim() !== '' ? template : undefined,
    bosText: model.tokens.bosString ?? '',
    eosText: model.tokens.eosString ?? '',
    toolCallsToken: singleControl('[TOOL_CALLS]'),
    argsToken: singleControl('[ARGS]'),
    nonEogControlTokens: nonEog,
    isNonEogControl: (token) => nonEogSet.has(token),
    isSpecialText(text) {
      let special = cache.get(text);
      if (special === undefined) {
        special = singleControl(text) !== undefined;
        cache.set(text, special);
      }
      return special;
    },
    maxTokenBytes,
    tokenizeSegments(segments) {
      const all = tokenizeWithinBudget(segments, Number.POSITIVE_INFINITY, tokenizeSegment, undefined);
      return all.fits ? all.tokens : [];
    },
    tokenizeWithin(segments, budget) {
      return tokenizeWithinBudget(segments, budget, tokenizeSegment, maxTokenBytes);
    },
    tokenizeText(text, special) {
      return model.tokenize(text, special);
    },
    isEog(token) {
      return model.isEogToken(token);
    },
  };
}

/** The model's chat renderer: its own template (or the built-in one) with its bos/eos text and control tokens. */
export function createModelChatRenderer(vocab: ModelVocab): ChatPromptRenderer {
  return createChatPromptRenderer({
    templateSource: vocab.chatTemplate,
    bosToken: vocab.bosText,
    eosToken: vocab.eosText,
    isSpecialText: (t) => vocab.isSpecialText(t),
  });
}
