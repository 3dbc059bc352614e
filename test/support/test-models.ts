/**
 * Generated test models for any test: each kind/option combination is generated once into a shared cache
 * directory and reused across test files and processes (written to a temp file and renamed, so concurrent
 * processes are safe).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_AFTER_TOOL_TEXT,
  DEFAULT_SCRIPTED_TEXT,
  GENERATOR_VERSION,
  type ModelKind,
  makeModel,
} from '../../src/modelgen/make-model.ts';

export { DEFAULT_AFTER_TOOL_TEXT, DEFAULT_SCRIPTED_TEXT };

export interface TestModelOptions {
  /** scripted: what greedy decoding produces after `[/INST]`. */
  text?: string;
  /** scripted: what greedy decoding produces after `[/TOOL_RESULTS]`. */
  afterToolText?: string;
  /** `tokenizer.chat_template`: undefined → our Devstral-style template, null → none. */
  chatTemplate?: string | null;
  /** scripted: `text` starts again after its end, forever. */
  repeat?: boolean;
}

export const TEST_MODEL_DIR = join(tmpdir(), 'slm-copilot-test-models');

const pending = new Map<string, Promise<string>>();

export async function testModelPath(kind: ModelKind, options: TestModelOptions = {}): Promise<string> {
  const key = JSON.stringify({
    v: GENERATOR_VERSION,
    kind,
    text: options.text ?? null,
    afterToolText: options.afterToolText ?? null,
    chatTemplate: options.chatTemplate, // undefined (the default template) is left out of the JSON
    ...(options.repeat === true ? { repeat: true } : {}),
  });
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const path = join(TEST_MODEL_DIR, `${kind}-${hash}.gguf`);
  let job = pending.get(path);
  if (job === undefined) {
    job = (async () => {
      if (!existsSync(path)) {
        await makeModel({
          kind,
          out: path,
          ...(options.text !== undefined ? { text: options.text } : {}),
          ...(options.afterToolText !== undefined ? { afterToolText: options.afterToolText } : {}),
          ...(options.chatTemplate !== undefined ? { chatTemplate: options.chatTemplate } : {}),
          ...(options.repeat === true ? { repeat: true } : {}),
        });
      }
      return path;
    })();
    pending.set(path, job);
    job.catch(() => pending.delete(path));
  }
  return job;
}
