/**
 * Registers a table of VM checks as node:test tests, run in order against one subject (a VM, a service of
 * VMs). Each result is recorded into the suite's result file as it lands, so `image test` can print the
 * table even when a later check hangs; after a check whose failure leaves the subject unusable, the rest
 * are skipped as blocked.
 */
import { test } from 'node:test';
import type { CheckResult } from './result-table.ts';
import { writeSuiteResults } from './suite-io.ts';

export interface VmCheck<S> {
  name: string;
  run(subject: S): Promise<string>;
}

export interface CheckTestsOptions<C> {
  workDir: string;
  bootToReadySeconds: () => number | undefined;
  /** Whether this failure of this check leaves nothing for the checks after it. */
  blocks: (check: C, error: unknown) => boolean;
}

export function registerCheckTests<S, C extends VmCheck<S>>(checks: readonly C[], subject: S, options: CheckTestsOptions<C>): void {
  const results: CheckResult[] = [];
  let blockedBy: string | undefined;
  for (const check of checks) {
    test(check.name, async (t) => {
      const record = async (result: Omit<CheckResult, 'name'>) => {
        results.push({ name: check.name, ...result });
        await writeSuiteResults(options.workDir, { bootToReadySeconds: options.bootToReadySeconds(), checks: results });
      };
      if (blockedBy !== undefined) {
        await record({ outcome: 'not run', seconds: 0, detail: `blocked: ${blockedBy}` });
        return t.skip(`blocked: ${blockedBy}`);
      }
      // Progress while a check runs: under TCG one boot takes minutes.
      process.stderr.write(`… ${check.name}\n`);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const detail = await check.run(subject);
        await record({ outcome: 'pass', seconds: seconds(), detail });
        process.stderr.write(`  pass ${seconds().toFixed(1)}s: ${detail}\n`);
        t.diagnostic(detail);
      } catch (error) {
        await record({ outcome: 'FAIL', seconds: seconds(), detail: (error as Error).message });
        if (options.blocks(check, error)) blockedBy = `${check.name} failed`;
        throw error;
      }
    });
  }
}
