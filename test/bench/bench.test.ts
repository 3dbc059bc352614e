/**
 * Smoke test of `slm-copilot bench --quick --json` on the tiny model: the whole benchmark runs for real
 * (raw worker, server child, nginx + TLS when nginx is installed, concurrency restarts) and its JSON has
 * the promised shape with positive, finite figures. No assertion on speed: speed is the benchmark's output.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testModelPath } from '../support/test-models.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const hasNginx = spawnSync('nginx', ['-v']).status === 0;

interface Row {
  id: string;
  metric: string;
  a: { label: string; value: number; unit: string };
  b: { label: string; value: number; unit: string };
  ratio: number;
  difference: number;
  target: { on: string; op: string; value: number } | null;
  ok: boolean | null;
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'bench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('bench --quick --json runs every section and reports finite positive figures', { timeout: 300_000 }, async () => {
  const model = await testModelPath('tiny');
  const args = ['--quick', '--json', '--model', model, '--threads', '1'];
  if (!hasNginx) args.push('--skip-nginx');
  const { code, stdout, stderr } = await runBench(args);
  assert.equal(code, 0, `bench failed:\n${stderr}`);
  const report = JSON.parse(stdout) as { tool: string; config: Record<string, unknown>; rows: Row[]; details: Record<string, unknown> };

  assert.equal(report.tool, 'slm-copilot bench');
  assert.equal(report.config['model'], model);
  assert.equal(report.config['threads'], 1);
  assert.equal(report.config['quick'], true);

  const ids = report.rows.map((r) => r.id);
  const expected = [
    'decode',
    'ttft',
    'prefix',
    'reject-5mb',
    'fa-prefill',
    'fa-memory',
    'prefix-cache-interleaved',
    'prefix-cache-new-task',
    'prefix-cache-restart',
    'prefix-cache-disk',
    'aggregate-1',
    'aggregate-2-p1',
    'aggregate-4-p1',
    'aggregate-2-p2',
    'aggregate-4-p4',
    'spec-copy',
    'spec-nomatch',
  ];
  if (hasNginx) expected.push('edge-decode', 'edge-ttft');
  assert.deepEqual([...ids].sort(), [...expected].sort());

  for (const row of report.rows) {
    // Memory left behind by a prefill may be nothing at all (the tiny model's buffers are small).
    const memory = row.id === 'fa-memory';
    for (const side of [row.a, row.b]) {
      assert.ok(Number.isFinite(side.value) && (memory ? side.value >= 0 : side.value > 0), `${row.id}: ${side.label} = ${side.value}`);
      // Latencies (time to first token, with or without a reused prefix; time to reject) in ms; memory in MiB; disk rates in MB/s; everything else is a rate.
      const unit = row.id === 'prefix-cache-disk' ? 'MB/s' : /ttft|prefix|reject/.test(row.id) ? 'ms' : memory ? 'MiB' : 'tok/s';
      assert.equal(side.unit, unit, `${row.id}: unit`);
    }
    if (!memory) assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, `${row.id}: ratio ${row.ratio}`);
    assert.ok(Number.isFinite(row.difference), `${row.id}: difference`);
    if (row.target === null) assert.equal(row.ok, null);
    else assert.equal(typeof row.ok, 'boolean');
  }
  const target = (id: string) => report.rows.find((r) => r.id === id)?.target;
  assert.deepEqual(target('decode'), { on: 'ratio', op: '>=', value: 0.97 });
  assert.deepEqual(target('prefix'), { on: 'ratio', op: '<=', value: 0.1 });
  assert.deepEqual(target('reject-5mb'), { on: 'difference', op: '<=', value: 1000 });
  assert.deepEqual(target('fa-prefill'), { on: 'ratio', op: '>=', value: 0.97 });
  assert.deepEqual(target('prefix-cache-interleaved'), { on: 'ratio', op: '<=', value: 0.25 });
  assert.deepEqual(target('prefix-cache-new-task'), { on: 'ratio', op: '<=', value: 0.2 });
  assert.deepEqual(target('prefix-cache-restart'), { on: 'ratio', op: '<=', value: 0.15 });
  const flash = report.details['flashAttention'] as { samples: { flashAttention: boolean; promptTokens: number }[] };
  assert.deepEqual(
    flash.samples.map((s) => s.flashAttention),
    [true, false],
    'one run per side in quick mode, on first',
  );
  assert.ok(flash.samples.every((s) => s.promptTokens >= 400 && s.promptTokens === flash.samples[0]!.promptTokens));
  if (hasNginx) assert.deepEqual(target('edge-ttft'), { on: 'difference', op: '<=', value: 5 });

  // Both sides did the same work: the same prompt tokens, and greedy decoding gives the same text. Only
  // "at least one pair" for the text: the server reuses a cached prefix computed in a different batch
  // split, and float rounding may flip a near-tie in a random model; a server that ignored
  // temperature 0 would differ in every pair.
  const decode = report.details['decode'] as {
    raw: { text: string; promptTokens: number }[];
    server: { text: string; promptTokens: number }[];
  };
  assert.equal(decode.raw.length, decode.server.length);
  for (const [i, raw] of decode.raw.entries()) assert.equal(decode.server[i]!.promptTokens, raw.promptTokens, `pair ${i}: prompt tokens`);
  assert.ok(
    decode.raw.some((raw, i) => decode.server[i]!.text === raw.text),
    'no pair produced the same greedy text',
  );

  // The follow-up request must have reused the conversation's prefix (a functional fact, not a timing).
  const prefix = report.details['prefix'] as {
    pairs: { followCachedTokens: number; followPromptTokens: number; coldPromptTokens: number }[];
  };
  for (const pair of prefix.pairs) {
    assert.ok(pair.followCachedTokens >= pair.coldPromptTokens / 2, `cached ${pair.followCachedTokens} of ${pair.followPromptTokens}`);
  }
});

test('bench --quick prints the Markdown table', { timeout: 300_000 }, async () => {
  const model = await testModelPath('tiny');
  const { code, stdout, stderr } = await runBench(['--quick', '--model', model, '--threads', '1', '--skip-nginx', '--repeat', '1']);
  assert.equal(code, 0, `bench failed:\n${stderr}`);
  assert.match(stdout, /^\| metric \| value A \| value B \| ratio \| target \| ok \|$/m);
  assert.match(
    stdout,
    /^\| Decode tok\/s: server \(HTTP stream\) \/ raw node-llama-cpp \| server [\d.]+ tok\/s \| raw [\d.]+ tok\/s \| [\d.]+ \| ≥ 0\.97 \| (yes|NO) \|$/m,
  );
});

test('bench rejects invalid options with exit code 2 (usage) and names the flag and its range', async () => {
  const { code, stderr } = await runBench(['--threads', '0']);
  assert.equal(code, 2);
  assert.match(stderr, /^slm-copilot bench: --threads: must be an integer from 1 to 256 \(got "0"\)$/m);
});
