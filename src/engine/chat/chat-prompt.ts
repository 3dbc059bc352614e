/**
 * Renders a chat request into prompt segments with the model's own chat template
 * (`tokenizer.chat_template`, Jinja, evaluated by @huggingface/jinja), or with the built-in Devstral
 * renderer when the model has none. Messages and tools are passed in OpenAI shape, with `bos_token`,
 * `eos_token` and `add_generation_prompt: true`, like Hugging Face's `apply_chat_template`.
 */
import { Template } from '@huggingface/jinja';
import { InvalidRequestError } from '../api/api-errors.ts';
import type { ChatMessage, ToolDefinition } from '../inference/types.ts';
import { renderDevstralPrompt } from './devstral-prompt.ts';
import { type PromptSegment, SpecialTextGuard } from './special-text-guard.ts';
import { toTemplateMessages, toTemplateTools } from './template-shapes.ts';

export interface ChatPromptOptions {
  /** The GGUF's `tokenizer.chat_template`; undefined → built-in Devstral renderer. */
  templateSource: string | undefined;
  bosToken: string;
  eosToken: string;
  /** Whether a string tokenizes to exactly one control token (memoise it; it is called often). */
  isSpecialText: (text: string) => boolean;
}

export interface ChatPromptInput {
  messages: readonly ChatMessage[];
  /** Empty → the template gets no `tools` variable at all. */
  tools: readonly ToolDefinition[];
}

export interface ChatPromptRenderer {
  /** 'model' when the GGUF's template is used, 'builtin-devstral' otherwise. */
  readonly source: 'model' | 'builtin-devstral';
  render(input: ChatPromptInput): PromptSegment[];
}

export function createChatPromptRenderer(options: ChatPromptOptions): ChatPromptRenderer {
  const template = options.templateSource === undefined ? undefined : new Template(options.templateSource);
  return {
    source: template === undefined ? 'builtin-devstral' : 'model',
    render(input) {
      const guard = new SpecialTextGuard(options.isSpecialText);
      const messages = toTemplateMessages(input.messages, (s) => guard.protect(s));
      const tools = input.tools.length > 0 ? toTemplateTools(input.tools, (v) => guard.protectDeep(v)) : undefined;
      let text: string;
      if (template === undefined) {
        text = renderDevstralPrompt({ messages, tools, bosToken: options.bosToken, eosToken: options.eosToken });
      } else {
        try {
          text = template.render({
            messages,
            ...(tools === undefined ? {} : { tools }),
            bos_token: options.bosToken,
            eos_token: options.eosToken,
            add_generation_prompt: true,
          });
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new InvalidRequestError(`The model's chat template rejected the messages: ${reason}`, {
            param: 'messages',
            cause: error,
          });
        }
      }
      return guard.split(text);
    },
  };
}
