/**
 * What `image build` checks about the GGUF before building anything: its sha256 against the pin in the
 * build inputs (a release image is reproducible only if the weights are), and which chat template the
 * engine will render with, decided by the engine's own profiling (src/engine/chat) so the build says
 * exactly what the appliance will do: the model's template, or the built-in v13 renderer and why.
 */
import { ConfigError } from '../lib/errors.ts';
import { silentLogger } from '../lib/logger.ts';
import { fileDigests } from './manifest.ts';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Throws a ConfigError naming `field` when the file's sha256 is not the pinned one. */
export async function verifyModelSha256(path: string, pinned: string, field = '--model-sha256'): Promise<string> {
  const expected = pinned.trim().toLowerCase();
  if (!SHA256_HEX.test(expected))
    throw new ConfigError([{ field, message: `must be 64 hex digits (sha256sum of the GGUF), got "${pinned}"` }]);
  const { sha256 } = await fileDigests(path);
  if (sha256 !== expected)
    throw new ConfigError([
      {
        field,
        message: `${path} has sha256 ${sha256}, the build pins ${expected}: wrong or corrupted weights file (re-download it, or update the pin on purpose)`,
      },
    ]);
  return sha256;
}

export interface TemplateChoice {
  renderer: 'model' | 'builtin';
  /** Why the built-in renderer is used (undefined when the model's template is). */
  reason: string | undefined;
  toolCallFormat: string;
}

/** The engine's load-time decision for this GGUF's `tokenizer.chat_template`, without loading llama.cpp. */
export async function templateChoiceFor(ggufPath: string): Promise<TemplateChoice> {
  const { readGgufFileInfo } = await import('node-llama-cpp');
  const { createChatPromptRenderer } = await import('../engine/chat/chat-prompt.ts');
  const info = await readGgufFileInfo(ggufPath, { logWarnings: false, readTensorInfo: false, sourceType: 'filesystem' });
  const tokenizer = (info.metadata as unknown as { tokenizer?: { chat_template?: unknown; ggml?: Record<string, unknown> } }).tokenizer;
  const tokens = (tokenizer?.ggml?.['tokens'] ?? []) as readonly string[];
  const tokenText = (key: string, fallback: string) => {
    const id = tokenizer?.ggml?.[key];
    return typeof id === 'number' ? (tokens[id] ?? fallback) : fallback;
  };
  const source = tokenizer?.chat_template;
  const renderer = createChatPromptRenderer({
    template: typeof source === 'string' && source.trim() !== '' ? { source, origin: 'gguf' } : undefined,
    bosToken: tokenText('bos_token_id', '<s>'),
    eosToken: tokenText('eos_token_id', '</s>'),
    isSpecialText: () => false,
    logger: silentLogger,
    modelId: 'image',
  });
  return { renderer: renderer.source, reason: renderer.reason, toolCallFormat: renderer.format.name };
}

export function describeTemplateChoice(choice: TemplateChoice): string {
  return choice.renderer === 'model'
    ? `the model's own chat template (tool calls: ${choice.toolCallFormat})`
    : `the built-in v13 renderer (tool calls: ${choice.toolCallFormat}), because ${choice.reason ?? 'the model has no template'}`;
}
