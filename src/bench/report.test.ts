import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type BenchReport, makeRow, renderTable } from './report.ts';

test('makeRow checks ratio and difference targets', () => {
  const fast = makeRow(
    'd',
    'decode',
    { label: 's', value: 98, unit: 'tok/s' },
    { label: 'r', value: 100, unit: 'tok/s' },
    { on: 'ratio', op: '>=', value: 0.97 },
  );
  assert.equal(fast.ok, true);
  assert.equal(fast.ratio, 0.98);
  const slow = makeRow(
    'e',
    'ttft',
    { label: 'n', value: 20, unit: 'ms' },
    { label: 'd', value: 10, unit: 'ms' },
    { on: 'difference', op: '<=', value: 5 },
  );
  assert.equal(slow.ok, false);
  assert.equal(slow.difference, 10);
  const info = makeRow('i', 'info', { label: 'a', value: 1, unit: 'ms' }, { label: 'b', value: 0, unit: 'ms' }, null);
  assert.equal(info.ok, null);
  const paired = makeRow(
    'p',
    'paired',
    { label: 'a', value: 90, unit: 'tok/s' },
    { label: 'b', value: 100, unit: 'tok/s' },
    { on: 'ratio', op: '>=', value: 0.97 },
    { ratio: 0.98 },
  );
  assert.equal(paired.ratio, 0.98);
  assert.equal(paired.ok, true);
});

test('renderTable prints one Markdown row per result with target and verdict', () => {
  const report: BenchReport = {
    tool: 'slm-copilot bench',
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1000,
    config: {
      model: 'm.gguf',
      modelBytes: 1e6,
      threads: 1,
      usableCpus: 2,
      contextSize: 4096,
      tokens: 8,
      repeat: 1,
      quick: false,
      edge: 'x',
      loadAverage: { start: 0.5, end: 1 },
    },
    rows: [
      makeRow(
        'edge-ttft',
        'TTFT added',
        { label: 'nginx', value: 12.5, unit: 'ms' },
        { label: 'direct', value: 10, unit: 'ms' },
        { on: 'difference', op: '<=', value: 5 },
      ),
      makeRow(
        'decode',
        'Decode',
        { label: 'server', value: 50, unit: 'tok/s' },
        { label: 'raw', value: 100, unit: 'tok/s' },
        { on: 'ratio', op: '>=', value: 0.97 },
        { note: 'why' },
      ),
    ],
    details: {},
    notes: [],
  };
  const text = renderTable(report);
  assert.match(text, /^\| metric \| value A \| value B \| ratio \| target \| ok \|$/m);
  assert.match(text, /^\| TTFT added \| nginx 12\.5 ms \| direct 10\.0 ms \| \+2\.5 ms \| ≤ 5 \(A−B\) \| yes \|$/m);
  assert.match(text, /^\| Decode \| server 50\.0 tok\/s \| raw 100\.0 tok\/s \| 0\.500 \| ≥ 0\.97 \| NO \|$/m);
  assert.match(text, /^- decode: why$/m);
});
