/**
 * `slm-copilot image test`: runs the VM acceptance suite (acceptance-suite.ts) with node:test in its
 * own process, then reads back what it recorded and renders the table of checks with their times.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../../lib/process/start-process.ts';
import { ACCEPTANCE_CHECKS } from './acceptance-checks.ts';
import { type CheckResult, renderResultTable } from './result-table.ts';
import { readSuiteResults, suiteEnv } from './suite-io.ts';
import type { SessionOptions } from './vm-session.ts';

export interface AcceptanceReport {
  results: CheckResult[];
  bootToReadySeconds: number | undefined;
  table: string;
  /** Every check passed and node:test agreed (exit 0). */
  passed: boolean;
}

const SUITE = fileURLToPath(new URL('./acceptance-suite.ts', import.meta.url));

export async function runAcceptance(options: SessionOptions): Promise<AcceptanceReport> {
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
  const results: CheckResult[] = ACCEPTANCE_CHECKS.map(
    ({ name }) =>
      recorded?.checks.find((c) => c.name === name) ?? {
        name,
        outcome: 'not run',
        seconds: 0,
        detail: `the suite ended before this check (exit ${exit.code ?? exit.signal}; see its output above)`,
      },
  );
  const title = `VM acceptance (${options.accel}${options.accel === 'tcg' ? ', software emulation' : ''}) — ${options.image}`;
  return {
    results,
    bootToReadySeconds: recorded?.bootToReadySeconds,
    table: renderResultTable(results, title),
    passed: exit.code === 0 && results.every((r) => r.outcome === 'pass'),
  };
}
