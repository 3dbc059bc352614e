/** The engine's model YAML: built as an object upstream, stringified here (never text-templated). */
import { stringify } from 'yaml';

export function renderModelConfig(model: Record<string, unknown>): string {
  return `# SLM-Copilot model configuration. Written by \`slm-copilot configure\` from /models.\n${stringify(model)}`;
}
