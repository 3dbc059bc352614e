/**
 * `slm-copilot image test`: runs the VM acceptance suite (acceptance-suite.ts, or with `--service` the
 * edge + engine service suite, service-suite.ts) with node:test in its own process, then reads back what
 * it recorded and renders the table of checks with their times.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../../lib/process/start-process.ts';
import { ACCEPTANCE_CHECKS } from './acceptance-checks.ts';
import { type CheckResult, renderResultTable } from './result-table.ts';
import { SERVICE_CHECKS } from './service-checks.ts';
import { readSuiteResults, suiteEnv } from './suite-io.ts';
import type { SessionOptions } from './vm-session.ts';

export interface AcceptanceReport {
  results: CheckResult[];
  bootToReadySeconds: number | undefined;
  table: string;
  /** Every check passed and node:test agreed (exit 0). */
  passed: boolean;
}

export type VmSuite = 'appliance' | 'service';

const SUITES: Record<VmSuite, { file: string; checks: readonly { name: string }[]; title: string }> = {
  appliance: { file: fileURLToPath(new URL('./acceptance-suite.ts', import.meta.url)), checks: ACCEPTANCE_CHECKS, title: 'VM acceptance' },
  service: {
    file: fileURLToPath(new URL('./service-suite.ts', import.meta.url)),
    checks: SERVICE_CHECKS,
    title: 'VM service (edge + engine)',
  },
};

export async function runAcceptance(options: SessionOptions, which: VmSuite = 'appliance'): Promise<AcceptanceReport> {
  const { file: SUITE, checks, title: suiteTitle } = SUITES[which];
  if (!existsSync(SUITE))
    throw new Error(`${SUITE} does not exist: \`image test\` runs from a source checkout, not from the release bundle`);
  // One process, no isolation: the suite's progress lines reach the terminal as they are written.
  const suite = await startProcess(process.execPath, ['--test', '--test-isolation=none', '--test-reporter=spec', SUITE], {
    name: 'the VM acceptance suite',
    env: { ...process.env, ...suiteEnv(options) },
    output: 'inherit',
  });
  const exit = await suite.exited;
  const recorded = await readSuiteResults(options.workDir);
  const results: CheckResult[] = checks.map(
    ({ name }) =>
      recorded?.checks.find((c) => c.name === name) ?? {
        name,
        outcome: 'not run',
        seconds: 0,
        detail: `the suite ended before this check (exit ${exit.code ?? exit.signal}; see its output above)`,
      },
  );
  const title = `${suiteTitle} (${options.accel}${options.accel === 'tcg' ? ', software emulation' : ''}) — ${options.image}`;
  return {
    results,
    bootToReadySeconds: recorded?.bootToReadySeconds,
    table: renderResultTable(results, title),
    passed: exit.code === 0 && results.every((r) => r.outcome === 'pass'),
  };
}
