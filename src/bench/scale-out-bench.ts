/**
 * `slm-copilot bench --scale-out`: the scale-out edge (fake OneGate, 3 engines, real nginx + njs) measured
 * in one run. Same engines, same conversations shape, three balancers: conversation hash (ours),
 * round-robin and least-connections. Rows: follow-ups that reuse the engine cache, follow-up TTFT ÷ cold,
 * aggregate decode tok/s with 3 engines vs 1, and requests failed while an engine is killed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ScaleOutStack, startScaleOutStack } from '../appliance/local/scale-out-stack.ts';
import type { RoutingMode } from '../appliance/scale-out/engine-upstream.ts';
import type { BenchMessage } from './prompts.ts';
import { conversation, FOLLOW_UP_TURN } from './prompts.ts';
import { median } from './stats.ts';
import { type Endpoint, makeEndpoint, type StreamResult, streamChat } from './stream-client.ts';

export interface ScaleOutBenchOptions {
  modelPath: string;
  cliCommand: readonly string[];
  engines: number;
  pacings: readonly Pacing[];
  routings: readonly RoutingMode[];
  conversations: number;
  followUps: number;
  /** Size of the shared system prompt (rules lines) and of each conversation's own first message. */
  systemRepeats: number;
  taskRepeats: number;
  contextSize: number;
  tokens: number;
  slotsPerEngine: number;
  progress: (line: string) => void;
}

/**
 * `together`: every conversation's turn at once, as a team's agents interleave; on 2 shared cores the first
 * token then also waits for the other streams' decode. `one-by-one`: the same turns, one request in flight,
 * so TTFT shows what the routing controls (prefill saved by the engine's cache), not CPU contention.
 */
export type Pacing = 'together' | 'one-by-one';

export interface RoutingRow {
  mode: RoutingMode;
  pacing: Pacing;
  followUps: number;
  cacheHits: number;
  coldTtftMs: number;
  followUpTtftMs: number;
  promptTokens: number;
}

export interface ScaleOutBenchReport {
  routing: RoutingRow[];
  throughput: { engines: number; tokPerSec: number }[];
  failover: { newRequests: number; failedNew: number; inFlight: number; inFlightCut: number };
}

/** A Cline-like conversation: the system prompt is the same for everyone, the first user message is the task. */
function firstTurn(salt: string, options: ScaleOutBenchOptions): BenchMessage[] {
  const shared = conversation('shared', 0, options.systemRepeats)[0]!;
  const task = conversation(salt, options.taskRepeats, 0)
    .slice(1)
    .map((m) => `${m.role}: ${m.content}`)
    .join('\n');
  return [shared, { role: 'user', content: `<task id="${salt}">\n${task}\n</task>` }];
}

/**
 * A fresh keep-alive pool after each reload: an nginx worker that is shutting down closes a kept-alive
 * connection right after its current response, and a client reusing it in that instant gets a reset.
 */
async function reroute(stack: ScaleOutStack, mode: RoutingMode): Promise<Endpoint> {
  await stack.setRouting(mode);
  await new Promise((r) => setTimeout(r, 200));
  return makeEndpoint(stack.url, { apiKey: stack.publicKey });
}

async function routingRow(
  stack: ScaleOutStack,
  model: string,
  mode: RoutingMode,
  pacing: Pacing,
  o: ScaleOutBenchOptions,
): Promise<RoutingRow> {
  const endpoint = await reroute(stack, mode);
  const chats = Array.from({ length: o.conversations }, (_, i) => firstTurn(`${mode}-${pacing}-${i}-${Date.now()}`, o));
  const send = (i: number) => streamChat(endpoint, { model, messages: chats[i]!, maxTokens: o.tokens });
  const cold: StreamResult[] = [];
  const follow: StreamResult[] = [];
  for (let round = 0; round <= o.followUps; round++) {
    // All conversations at once, as a team's agents interleave, in a different order each round: agents do
    // not take turns in lockstep (a fixed order would let round-robin repeat its assignment by accident).
    const order = shuffled(chats.length, round + 1);
    const results: StreamResult[] = [];
    if (pacing === 'together') results.push(...(await Promise.all(order.map(send))));
    else for (const i of order) results.push(await send(i));
    results.forEach((r, k) => {
      chats[order[k]!]!.push({ role: 'assistant', content: r.text || '…' }, { role: 'user', content: `${FOLLOW_UP_TURN} (${round})` });
    });
    (round === 0 ? cold : follow).push(...results);
    o.progress(`  ${mode}, ${pacing}: round ${round} done`);
  }
  return {
    mode,
    pacing,
    followUps: follow.length,
    cacheHits: follow.filter((r) => r.cachedTokens >= 0.9 * r.promptTokens).length,
    coldTtftMs: median(cold.map((r) => r.ttftMs)),
    followUpTtftMs: median(follow.map((r) => r.ttftMs)),
    promptTokens: median(cold.map((r) => r.promptTokens)),
  };
}

/** A deterministic permutation of 0..n-1 (same figures on every run). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed * 2654435761;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function aggregateTokPerSec(endpoint: Endpoint, model: string, streams: number, tokens: number, salt: string): Promise<number> {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: streams }, (_, i) =>
      streamChat(endpoint, {
        model,
        maxTokens: tokens,
        messages: [{ role: 'user', content: `Throughput ${salt} ${i}: write a long story.` }],
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  return results.reduce((n, r) => n + r.completionTokens, 0) / seconds;
}

export async function runScaleOutBench(o: ScaleOutBenchOptions): Promise<ScaleOutBenchReport> {
  const dir = await mkdtemp(join(tmpdir(), 'slm-bench-scale-out-'));
  const model = basename(o.modelPath, '.gguf');
  o.progress(`scale-out: starting the edge and ${o.engines} engines`);
  const stack = await startScaleOutStack({
    dir,
    engines: o.engines,
    modelPath: o.modelPath,
    cliCommand: o.cliCommand,
    contextSize: o.contextSize,
    // Each slot keeps one conversation's prefix. The hash gives each engine about two of the six, unevenly
    // (consistent hashing with few keys), so an engine needs a spare slot: 3 slots, bound at 3 in flight.
    parallel: o.slotsPerEngine,
    maxConnsPerEngine: o.slotsPerEngine,
  });
  // Ctrl-C / SIGTERM: stop the engines and nginx before exiting (they are not in the bench's child list).
  const onSignal = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const routing: RoutingRow[] = [];
    for (const pacing of o.pacings) for (const mode of o.routings) routing.push(await routingRow(stack, model, mode, pacing, o));

    o.progress('scale-out: kill -9 of one engine under load');
    let endpoint = await reroute(stack, 'conversation');
    // Settled from the start: the streams on the killed engine reject while we are busy sending new requests.
    const inFlight = Promise.allSettled(
      Array.from({ length: o.engines * 2 }, (_, i) =>
        streamChat(endpoint, { model, maxTokens: o.tokens * 8, messages: [{ role: 'user', content: `In flight ${i}: a long answer.` }] }),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    await stack.killEngine(0);
    const fresh = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        streamChat(endpoint, { model, maxTokens: o.tokens, messages: [{ role: 'user', content: `New during the kill ${i}.` }] }),
      ),
    );
    const flights = await inFlight;
    const failover = {
      newRequests: fresh.length,
      failedNew: fresh.filter((r) => r.status === 'rejected').length,
      inFlight: flights.length,
      inFlightCut: flights.filter((r) => r.status === 'rejected' || r.value.finishReason === '').length,
    };
    await stack.discover();
    await stack.startEngine(0);
    await stack.discover();

    o.progress('scale-out: aggregate throughput, all engines then one');
    endpoint = await reroute(stack, 'least-conn');
    const streams = o.engines * 2;
    const all = await aggregateTokPerSec(endpoint, model, streams, o.tokens * 4, 'all');
    for (let i = 1; i < o.engines; i++) await stack.killEngine(i, 'SIGTERM');
    endpoint = await reroute(stack, 'least-conn');
    const one = await aggregateTokPerSec(endpoint, model, streams, o.tokens * 4, 'one');
    return {
      routing,
      throughput: [
        { engines: o.engines, tokPerSec: all },
        { engines: 1, tokPerSec: one },
      ],
      failover,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function renderScaleOutTable(r: ScaleOutBenchReport): string {
  const pct = (a: number, b: number) => `${b === 0 ? 0 : Math.round((100 * a) / b)} %`;
  const lines = [
    '| routing | turns sent | follow-ups with cached ≥ 0.9 × prompt | follow-up TTFT ÷ cold | cold TTFT ms | follow-up TTFT ms | prompt tokens |',
    '|---|---|---|---|---|---|---|',
    ...r.routing.map(
      (row) =>
        `| ${row.mode} | ${row.pacing} | ${row.cacheHits}/${row.followUps} (${pct(row.cacheHits, row.followUps)}) | ${(row.followUpTtftMs / row.coldTtftMs).toFixed(2)} | ${row.coldTtftMs.toFixed(0)} | ${row.followUpTtftMs.toFixed(0)} | ${row.promptTokens} |`,
    ),
    '',
    '| engines | aggregate decode tok/s |',
    '|---|---|',
    ...r.throughput.map((t) => `| ${t.engines} | ${t.tokPerSec.toFixed(1)} |`),
    `| ratio | ${((r.throughput[0]?.tokPerSec ?? 0) / (r.throughput[1]?.tokPerSec ?? 1)).toFixed(2)} × |`,
    '',
    `kill -9 of one engine under load: ${r.failover.failedNew}/${r.failover.newRequests} new requests failed; ${r.failover.inFlightCut}/${r.failover.inFlight} in-flight streams cut (those on the killed engine).`,
    '',
  ];
  return lines.join('\n');
}
