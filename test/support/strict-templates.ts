/** Our strict chat templates (test/fixtures/chat-templates), by name. */
import { readFileSync } from 'node:fs';

export const STRICT_TEMPLATE_NAMES = ['role-alternation', 'role-transitions', 'integer-subscript', 'content-length', 'call-id'] as const;
export type StrictTemplateName = (typeof STRICT_TEMPLATE_NAMES)[number];

export function strictTemplate(name: StrictTemplateName): string {
  return readFileSync(new URL(`../fixtures/chat-templates/${name}.jinja`, import.meta.url), 'utf8');
}
