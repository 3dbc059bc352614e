/**
 * The demo model `serve` falls back to when no model is configured: a generated `scripted` GGUF (no
 * download possible or needed) whose every answer says that it is a demo and how to serve a real model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION, makeModel } from '../modelgen/make-model.ts';

export const DEMO_MODEL_ID = 'slm-copilot-demo';

export const DEMO_TEXT =
  'Hello! I am the SLM-Copilot demo model: generated weights that can only say this sentence. ' +
  'To get real answers, start the server with --model FILE.gguf or --config MODEL.yaml.';

export const DEMO_AFTER_TOOL_TEXT = 'Demo model: tool result received. A real model would continue the task here.';

/** Generates the demo model into `cacheDir` once (versioned file name) and returns its path. */
export async function ensureDemoModel(cacheDir: string): Promise<string> {
  const path = join(cacheDir, `demo-scripted-v${GENERATOR_VERSION}.gguf`);
  if (!existsSync(path)) await makeModel({ kind: 'scripted', out: path, text: DEMO_TEXT, afterToolText: DEMO_AFTER_TOOL_TEXT });
  return path;
}
