/**
 * The VM acceptance checks as node:test tests, one per row of the table, run in order against one VM.
 * `slm-copilot image test` runs this file with `node --test` (options in SLM_COPILOT_VM_SUITE) and
 * prints the result table it records. A check that leaves the VM unusable skips the rest as blocked.
 */
import { after } from 'node:test';
import { ACCEPTANCE_CHECKS } from './acceptance-checks.ts';
import { registerCheckTests } from './check-tests.ts';
import { suiteOptionsFromEnv } from './suite-io.ts';
import { Blocked, VmSession } from './vm-session.ts';

const options = suiteOptionsFromEnv(process.env);
const session = await VmSession.create(options);
after(() => session.stop());

registerCheckTests(ACCEPTANCE_CHECKS, session, {
  workDir: options.workDir,
  bootToReadySeconds: () => session.bootToReadySeconds,
  blocks: (_check, error) => error instanceof Blocked,
});
