/**
 * Benchmark results: the JSON shape printed by `--json` and the Markdown table printed otherwise.
 * Each row compares value A with value B; its target applies to A/B (ratio) or A−B (difference).
 */

export interface Measure {
  label: string;
  value: number;
  unit: string;
}

export interface Target {
  on: 'ratio' | 'difference';
  op: '>=' | '<=';
  value: number;
}

export interface BenchRow {
  id: string;
  metric: string;
  a: Measure;
  b: Measure;
  /** a / b */
  ratio: number;
  /** a − b (same unit) */
  difference: number;
  target: Target | null;
  /** null when the row has no target (informational). */
  ok: boolean | null;
  note?: string;
}

export interface BenchConfig {
  model: string;
  modelBytes: number;
  threads: number;
  usableCpus: number;
  contextSize: number;
  tokens: number;
  repeat: number;
  quick: boolean;
  edge: string;
  /** 1-minute load average at start and end: how busy the (shared) machine was. */
  loadAverage: { start: number; end: number };
}

export interface BenchReport {
  tool: 'slm-copilot bench';
  version: 1;
  startedAt: string;
  durationMs: number;
  config: BenchConfig;
  rows: BenchRow[];
  /** Every sample behind the medians, per section. */
  details: Record<string, unknown>;
  notes: string[];
}

export interface RowOptions {
  note?: string;
  /** Default a / b; pass the median of per-pair ratios when samples come in time-adjacent pairs. */
  ratio?: number;
  /** Default a − b; likewise the median of per-pair differences. */
  difference?: number;
}

export function makeRow(id: string, metric: string, a: Measure, b: Measure, target: Target | null, options: RowOptions = {}): BenchRow {
  const ratio = options.ratio ?? a.value / b.value;
  const difference = options.difference ?? a.value - b.value;
  const note = options.note;
  let ok: boolean | null = null;
  if (target !== null) {
    const x = target.on === 'ratio' ? ratio : difference;
    ok = Number.isFinite(x) && (target.op === '>=' ? x >= target.value : x <= target.value);
  }
  return { id, metric, a, b, ratio, difference, target, ok, ...(note === undefined ? {} : { note }) };
}

function num(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = unit === 'tok/s' || unit === 'ms' ? 1 : unit === 'tokens' ? 0 : 3;
  return value.toFixed(digits);
}

function cell(m: Measure): string {
  return `${m.label} ${num(m.value, m.unit)} ${m.unit}`;
}

function targetText(t: Target | null): string {
  if (t === null) return '—';
  const op = t.op === '>=' ? '≥' : '≤';
  return t.on === 'ratio' ? `${op} ${t.value}` : `${op} ${t.value} (A−B)`;
}

function compareText(row: BenchRow): string {
  if (row.target?.on === 'difference') return `${row.difference >= 0 ? '+' : ''}${num(row.difference, row.a.unit)} ${row.a.unit}`;
  return num(row.ratio, '');
}

export function renderTable(report: BenchReport): string {
  const c = report.config;
  const lines = [
    `slm-copilot bench — model ${c.model} (${(c.modelBytes / 1e6).toFixed(0)} MB), threads ${c.threads} of ${c.usableCpus} usable CPUs, ` +
      `context ${c.contextSize}, ${c.tokens} tokens × ${c.repeat} runs${c.quick ? ' (quick)' : ''}; ` +
      `load average ${c.loadAverage.start.toFixed(1)} → ${c.loadAverage.end.toFixed(1)}`,
    '',
    '| metric | value A | value B | ratio | target | ok |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of report.rows) {
    const ok = row.ok === null ? '—' : row.ok ? 'yes' : 'NO';
    lines.push(`| ${row.metric} | ${cell(row.a)} | ${cell(row.b)} | ${compareText(row)} | ${targetText(row.target)} | ${ok} |`);
  }
  const notes = [...report.rows.filter((r) => r.note !== undefined).map((r) => `${r.id}: ${r.note}`), ...report.notes];
  if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${n}`));
  lines.push('', `Finished in ${(report.durationMs / 1000).toFixed(0)} s.`);
  return `${lines.join('\n')}\n`;
}
