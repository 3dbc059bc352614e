/**
 * A scripted model for one agent loop, made with the CLI a developer uses (`slm-copilot dev make-model`):
 * after the user's turn it emits `toolCall`, after the tool's result it answers `answer`.
 *
 * Keep the scripts short. The generator gives every scripted token its own embedding axis, so past 63 of
 * them the model grows from 64 to 96 dimensions (attention heads of 24), and llama.cpp evaluates long prompts
 * about 18x slower: a 19k-token prompt took 5.3-6.4 s at 64 and 94-140 s at 96 (one thread, A/B/A/B).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;

/** Room for Cline's ~13k-token opening request with its 25 tools (≈7k tokens in Devstral's own vocabulary). */
export const AGENT_CONTEXT_SIZE = 32768;

export async function makeScriptedAgentModel(dir: string, name: string, toolCall: { name: string; arguments: object }, answer: string) {
  const out = join(dir, `${name}.gguf`);
  await promisify(execFile)(process.execPath, [
    MAIN,
    'dev',
    'make-model',
    'scripted',
    '--out',
    out,
    '--context-length',
    String(AGENT_CONTEXT_SIZE),
    '--text',
    `[TOOL_CALLS]${toolCall.name}[ARGS]${JSON.stringify(toolCall.arguments)}`,
    '--after-tool',
    answer,
  ]);
  return out;
}
