/**
 * What the engine needs from the model's tokenizer: the chat template and its bos/eos strings, control
 * tokens by text (tool-call markers), and tokenization of rendered prompts.
 */
import { type LlamaModel, LlamaVocabularyType, type Token } from 'node-llama-cpp';
import type { PromptSegment } from '../chat/special-text-guard.ts';
import { type BudgetedTokens, tokenizeWithinBudget } from './token-budget.ts';

export interface ModelVocab {
  readonly chatTemplate: string | undefined;
  readonly bosText: string;
  readonly eosText: string;
  /** The control token spelled `text`; undefined when `text` is not one single control token. */
  controlToken(text: string): Token | undefined;
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
  const cache = new Map<string, Token | undefined>();
  const controlToken = (text: string): Token | undefined => {
    if (cache.has(text)) return cache.get(text);
    const tokens = model.tokenize(text, true);
    const only = tokens[0];
    const token = tokens.length === 1 && only !== undefined && model.isSpecialToken(only) ? only : undefined;
    cache.set(text, token);
    return token;
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
    controlToken,
    nonEogControlTokens: nonEog,
    isNonEogControl: (token) => nonEogSet.has(token),
    isSpecialText: (text) => controlToken(text) !== undefined,
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
