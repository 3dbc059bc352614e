/**
 * Continue CLI 1.5.47 (`cn`, Node and the openai SDK) runs one agent loop against `slm-copilot up` over
 * https, configured only from the report's `[Continue]` section: `config_yaml` as ~/.continue/config.yaml
 * (its `requestOptions.caBundlePath`, the CA as a data: URI, is the only trust it gets) and `env_file_line` as ~/.continue/.env.
 *
 * Headless and non-interactive, it needs (found by running it):
 * - an isolated HOME: it keeps sessions, logs and a permissions file in ~/.continue and reads the key there;
 * - `-p PROMPT`: print mode, the final answer on stdout, errors as JSON on stderr with exit 1;
 * - `--auto`: every tool allowed without asking, which also adds Write and Bash to the tools it offers;
 * - `--config FILE`: the configuration to use instead of a Continue Hub login;
 * - CONTINUE_CLI_ENABLE_TELEMETRY=0. It fetches api.continue.dev at start whatever that says, so it runs,
 *   with `up`, in a namespace that has only loopback (there the lookup fails at once and the run goes on).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pemDataUri } from '../../src/appliance/render/report.ts';
import { useAgentLoopFixture } from './support/agent-loop-fixture.ts';
import { assertToolRoundTrip, requestsDuring } from './support/appliance-in-namespace.ts';
import { clientBin, clientEnv } from './support/client-cli.ts';
import { type CommandOutcome, namespaceOrSkipReason, runIn } from './support/loopback-namespace.ts';

const { ns, skip } = await namespaceOrSkipReason();
after(() => ns?.close());

const CONTENT = 'hello from the scripted model';
const ANSWER = 'Wrote out.txt; the task is complete.';

describe('Continue CLI 1.5.47 against slm-copilot up over https', { skip }, () => {
  const fixture = useAgentLoopFixture(
    ns,
    'continue-agent',
    { name: 'Write', arguments: { filepath: 'out.txt', content: CONTENT } },
    ANSWER,
  );

  it('writes a file through the Write tool and finishes, trusting only the caBundlePath of the report', async () => {
    const { ns, appliance, home, workspace } = fixture();
    const report = appliance.report;
    mkdirSync(join(home, '.continue'));
    const config = join(home, '.continue/config.yaml');
    writeFileSync(config, `${report.get('Continue', 'config_yaml')}\n`);
    writeFileSync(join(home, '.continue/.env'), `${report.get('Continue', 'env_file_line')}\n`, { mode: 0o600 });
    const inline = pemDataUri(readFileSync(appliance.caFile, 'utf8'));
    assert.ok(readFileSync(config, 'utf8').includes(`caBundlePath: ${inline}\n`), 'trust comes from the CA inside the pasted config');

    let run: CommandOutcome | undefined;
    const during = await requestsDuring(appliance, 2, async () => {
      run = await runIn(ns, 'timeout', ['-k', '10', '600', clientBin('cn'), '-p', 'Create out.txt', '--auto', '--config', config], {
        env: clientEnv(home, { CONTINUE_CLI_ENABLE_TELEMETRY: '0' }),
        cwd: workspace,
      });
      return run.code === 0;
    });
    assert.ok(run);
    assert.equal(run.code, 0, `cn exit ${run.code}:\n${run.stdout}\n${run.stderr.slice(-2000)}`);
    assert.equal(run.stdout.trim(), ANSWER, 'the final answer came after the tool result');
    assert.equal(readFileSync(join(workspace, 'out.txt'), 'utf8'), CONTENT, 'the Write tool created the file');
    assertToolRoundTrip(during);
  });
});
