/** The acceptance suite's result table: a pure renderer over the recorded check results. */

export type Outcome = 'pass' | 'FAIL' | 'not run';

export interface CheckResult {
  name: string;
  outcome: Outcome;
  seconds: number;
  detail: string;
}

export function renderResultTable(results: readonly CheckResult[], title: string): string {
  const nameWidth = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [title, `${'check'.padEnd(nameWidth)}  result   time     detail`, `${'-'.repeat(nameWidth)}  -------  -------  ------`];
  for (const r of results) {
    const time = r.outcome === 'not run' ? '' : `${r.seconds.toFixed(1)}s`;
    lines.push(`${r.name.padEnd(nameWidth)}  ${r.outcome.padEnd(7)}  ${time.padEnd(7)}  ${r.detail.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
  const passed = results.filter((r) => r.outcome === 'pass').length;
  lines.push(`${passed}/${results.length} checks passed`);
  return `${lines.join('\n')}\n`;
}
