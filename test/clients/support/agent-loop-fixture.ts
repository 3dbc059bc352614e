/**
 * What one client's agent loop needs: a scripted model made with the CLI a developer uses (`slm-copilot dev
 * make-model`; after the user's turn it emits `toolCall`, after the tool's result it answers `answer`),
 * `slm-copilot up` serving it in the namespace, an empty workspace and an empty HOME for the client.
 *
 * Keep the scripts short. The generator gives every scripted token its own embedding axis, so past 63 of
 * them the model grows from 64 to 96 dimensions (attention heads of 24), and llama.cpp evaluates long prompts
 * about 18x slower: a 19k-token prompt took 5.3-6.4 s at 64 and 94-140 s at 96 (one thread, A/B/A/B).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { type ApplianceInNamespace, startApplianceInNamespace } from './appliance-in-namespace.ts';
import { assertLoopbackOnly, type LoopbackNamespace } from './loopback-namespace.ts';

const MAIN = new URL('../../../src/cli/main.ts', import.meta.url).pathname;

/** Room for Cline's ~13k-token opening request with its 25 tools (≈7k tokens in Devstral's own vocabulary). */
export const AGENT_CONTEXT_SIZE = 32768;

export interface ToolCallScript {
  name: string;
  arguments: object;
}

async function makeScriptedAgentModel(dir: string, name: string, toolCall: ToolCallScript, answer: string): Promise<string> {
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

export interface AgentLoopFixture {
  ns: LoopbackNamespace;
  dir: string;
  workspace: string;
  home: string;
  appliance: ApplianceInNamespace;
  close(): Promise<void>;
}

async function startAgentLoopFixture(
  ns: LoopbackNamespace,
  name: string,
  toolCall: ToolCallScript,
  answer: string,
): Promise<AgentLoopFixture> {
  const dir = mkdtempSync(join(tmpdir(), `slm-${name}-`));
  const workspace = join(dir, 'workspace');
  const home = join(dir, 'home');
  mkdirSync(workspace);
  mkdirSync(home);
  try {
    const model = await makeScriptedAgentModel(dir, name, toolCall, answer);
    const appliance = await startApplianceInNamespace(ns, {
      root: join(dir, 'root'),
      model,
      context: { ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE: String(AGENT_CONTEXT_SIZE), ONEAPP_COPILOT_ENGINE_THREADS: '1' },
    });
    return {
      ns,
      dir,
      workspace,
      home,
      appliance,
      async close() {
        await appliance.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Registers the fixture's hooks in the enclosing `describe` (which is skipped when there is no namespace) and
 * returns its getter for the tests.
 */
export function useAgentLoopFixture(
  ns: LoopbackNamespace | undefined,
  name: string,
  toolCall: ToolCallScript,
  answer: string,
): () => AgentLoopFixture {
  let fixture: AgentLoopFixture | undefined;
  before(async () => {
    assert.ok(ns, 'no namespace');
    await assertLoopbackOnly(ns);
    fixture = await startAgentLoopFixture(ns, name, toolCall, answer);
  });
  after(() => fixture?.close());
  return () => {
    assert.ok(fixture, 'the fixture did not start');
    return fixture;
  };
}
