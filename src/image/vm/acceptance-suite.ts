/**
 * The VM acceptance checks as node:test tests, one per row of the table, run in order against one VM.
 * `slm-copilot image test` runs this file with `node --test` (options in SLM_COPILOT_VM_SUITE) and
 * prints the result table it records. A check that leaves the VM unusable skips the rest as blocked.
 */
import { after, test } from 'node:test';
import { ACCEPTANCE_CHECKS } from './acceptance-checks.ts';
import type { CheckResult } from './result-table.ts';
import { suiteOptionsFromEnv, writeSuiteResults } from './suite-io.ts';
import { Blocked, VmSession } from './vm-session.ts';

const options = suiteOptionsFromEnv(process.env);
const session = await VmSession.create(options);
const checks: CheckResult[] = [];
let blockedBy: string | undefined;

after(() => session.stop());

for (const check of ACCEPTANCE_CHECKS) {
  test(check.name, async (t) => {
    const record = async (result: Omit<CheckResult, 'name'>) => {
      checks.push({ name: check.name, ...result });
      await writeSuiteResults(options.workDir, { bootToReadySeconds: session.bootToReadySeconds, checks });
    };
    if (blockedBy !== undefined) {
      await record({ outcome: 'not run', seconds: 0, detail: `blocked: ${blockedBy}` });
      return t.skip(`blocked: ${blockedBy}`);
    }
    // Progress while a check runs: under TCG one boot takes minutes.
    process.stderr.write(`… ${check.name}\n`);
    const started = performance.now();
    try {
      const detail = await check.run(session);
      await record({ outcome: 'pass', seconds: (performance.now() - started) / 1000, detail });
      t.diagnostic(detail);
    } catch (error) {
      await record({ outcome: 'FAIL', seconds: (performance.now() - started) / 1000, detail: (error as Error).message });
      if (error instanceof Blocked) blockedBy = `${check.name} failed`;
      throw error;
    }
  });
}
