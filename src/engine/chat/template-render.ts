/** Renders a Jinja chat template with Hugging Face's `apply_chat_template` variables. */
import type { Template } from '@huggingface/jinja';
import type { TemplateMessage, TemplateTool } from './template-shapes.ts';

export interface TemplateRenderInput {
  messages: TemplateMessage[];
  /** Undefined → the template gets no `tools` variable at all. */
  tools: TemplateTool[] | undefined;
  bosToken: string;
  eosToken: string;
}

export function renderTemplate(template: Template, input: TemplateRenderInput): string {
  return template.render({
    messages: input.messages,
    ...(input.tools === undefined ? {} : { tools: input.tools }),
    bos_token: input.bosToken,
    eos_token: input.eosToken,
    add_generation_prompt: true,
  });
}
