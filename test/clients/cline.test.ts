/**
 * Cline CLI 3.0.65 (a Bun binary: BoringSSL, which refuses a self-signed leaf as a trust anchor) runs one
 * agent loop against `slm-copilot up` over https, configured only from the report: the `[Shell] exports`
 * (NODE_EXTRA_CA_CERTS = the report's CA file) and the `[Cline]` `cli` line / `providers_json` block.
 *
 * Headless and non-interactive, it needs (found by running it):
 * - an isolated HOME: `cline auth` writes ~/.cline/data/settings/providers.json, runs keep sessions there;
 * - CLINE_SESSION_BACKEND_MODE=local: no hub daemon (127.0.0.1:25463) that outlives the test and keeps the
 *   environment of the run that started it;
 * - E2E_TEST=true: swaps its PostHog feature-flag client (a lookup at data.cline.bot on every run) for a
 *   no-op; nothing else in the 3.0.65 binary reads it;
 * - `--json`: NDJSON events and a final `run_result` line instead of the TUI; editor edits need no approval;
 * - `timeout -k`: it does not stop on SIGTERM when a model never finishes.
 * It still tries its vendor's hosts, so it runs, with `up`, in a namespace that has only loopback.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AGENT_CONTEXT_SIZE, useAgentLoopFixture } from './support/agent-loop-fixture.ts';
import { assertToolRoundTrip, requestsDuring, sum } from './support/appliance-in-namespace.ts';
import { clientBin, clientEnv } from './support/client-cli.ts';
import { type CommandOutcome, namespaceOrSkipReason, runIn } from './support/loopback-namespace.ts';

const { ns, skip } = await namespaceOrSkipReason();
after(() => ns?.close());

const CONTENT = 'hello from the scripted model\n';
const ANSWER = 'Created hello.txt; the task is complete.';

interface RunResult {
  type: 'run_result';
  finishReason: string;
  iterations: number;
  text: string;
  usage: { inputTokens: number; outputTokens: number };
  model: { id: string };
}

describe('Cline CLI 3.0.65 against slm-copilot up over https', { skip }, () => {
  // A path relative to the workspace (`-c`): Cline resolves it there, and the script stays short (see agent-loop-fixture.ts).
  const fixture = useAgentLoopFixture(ns, 'cline-agent', { name: 'editor', arguments: { path: 'hello.txt', new_text: CONTENT } }, ANSWER);

  it('edits a file through the editor tool and finishes, trusting only the report CA file', async () => {
    const { ns, appliance, home, workspace } = fixture();
    const report = appliance.report;
    const exports = report.get('Shell', 'exports');
    const env = clientEnv(home, { CLINE_SESSION_BACKEND_MODE: 'local', E2E_TEST: 'true' });
    // What a user pastes into a shell: the exports, then the command.
    const inShell = (args: string[]) => runIn(ns, 'sh', ['-c', `${exports}\nexec "$@"`, 'sh', ...args], { env, cwd: workspace });
    clientBin('cline'); // says how to install it when setup has not run

    const auth = await inShell(['sh', '-c', report.get('Cline', 'cli')]);
    assert.equal(auth.code, 0, `cline auth: ${auth.stdout}${auth.stderr}`);
    const providersFile = join(home, '.cline/data/settings/providers.json');
    const printed = report.get('Cline', 'providers_json');
    const written = providerSettings(readFileSync(providersFile, 'utf8'));
    const { contextWindow, ...setByCliLine } = providerSettings(printed);
    assert.equal(contextWindow, AGENT_CONTEXT_SIZE);
    assert.deepEqual(
      Object.fromEntries(Object.keys(setByCliLine).map((k) => [k, written[k]])),
      setByCliLine,
      'the cli line and the providers_json block configure the same endpoint',
    );
    // The printed providers.json also carries the context window, which sizes Cline's max_tokens.
    writeFileSync(providersFile, printed, { mode: 0o600 });

    let run: CommandOutcome | undefined;
    const during = await requestsDuring(appliance, 2, async () => {
      run = await inShell(['timeout', '-k', '10', '600', 'cline', '--json', '-c', workspace, 'Create hello.txt']);
      return run.code === 0;
    });
    assert.ok(run);
    const events = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string });
    const result = events.findLast((e): e is RunResult => e.type === 'run_result');
    assert.equal(run.code, 0, `cline exit ${run.code}: ${result?.text ?? ''}\n${run.stderr.slice(-2000)}`);
    assert.ok(result, run.stdout.slice(-2000));
    assert.deepEqual(
      [result.finishReason, result.iterations, result.text, result.model.id],
      ['completed', 2, ANSWER, report.get('Endpoint', 'model')],
    );
    assert.equal(readFileSync(join(workspace, 'hello.txt'), 'utf8'), CONTENT, 'the editor tool created the file');
    assertToolRoundTrip(during);
    assert.deepEqual(
      [result.usage.inputTokens, result.usage.outputTokens],
      [sum(during.requests, 'promptTokens'), sum(during.requests, 'generatedTokens')],
      'Cline counted the usage the engine reported',
    );
  });
});

function providerSettings(json: string): Record<string, unknown> {
  const parsed = JSON.parse(json) as { providers: Record<string, { settings: Record<string, unknown> }> };
  const settings = parsed.providers['openai-compatible']?.settings;
  assert.ok(settings, json);
  return settings;
}
