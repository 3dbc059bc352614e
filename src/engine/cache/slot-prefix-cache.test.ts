import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../lib/logger.ts';
import { CACHE_FORMAT, type CacheFingerprint } from './cache-fingerprint.ts';
import { PrefixStore } from './prefix-store.ts';
import { type CacheableSequence, SlotPrefixCache } from './slot-prefix-cache.ts';

const FP: CacheFingerprint = { format: CACHE_FORMAT, modelSha256: 'a'.repeat(64), modelBytes: 10, contextSize: 4096, runtime: 'test' };
const BYTES_PER_TOKEN = 100;

/** A stand-in sequence: its "state file" is its tokens plus padding; save and load advance a fake clock. */
class FakeSequence implements CacheableSequence {
  contextTokens: number[] = [];
  private readonly clock: { t: number };
  private readonly msPerSavedByte: number;
  private readonly msPerLoadedByte: number;
  constructor(clock: { t: number }, msPerSavedByte: number, msPerLoadedByte: number) {
    this.clock = clock;
    this.msPerSavedByte = msPerSavedByte;
    this.msPerLoadedByte = msPerLoadedByte;
  }
  async saveStateToFile(path: string) {
    const body = Buffer.alloc(this.contextTokens.length * BYTES_PER_TOKEN, 1);
    const data = Buffer.concat([Buffer.from(`${JSON.stringify(this.contextTokens)}\n`), body]);
    await writeFile(path, data);
    this.clock.t += data.length * this.msPerSavedByte;
    return { fileSize: data.length };
  }
  async loadStateFromFile(path: string) {
    const data = await readFile(path);
    this.contextTokens = JSON.parse(data.subarray(0, data.indexOf(10)).toString()) as number[];
    this.clock.t += data.length * this.msPerLoadedByte;
  }
  async clearHistory() {
    this.contextTokens = [];
  }
  async eraseContextTokenRanges(ranges: Array<{ start: number; end: number }>) {
    for (const r of ranges) this.contextTokens = [...this.contextTokens.slice(0, r.start), ...this.contextTokens.slice(r.end)];
  }
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function setup(budgetBytes = 1 << 30, fingerprint = FP) {
  const dir = await mkdtemp(join(tmpdir(), 'slot-cache-'));
  dirs.push(dir);
  const clock = { t: 0 };
  const store = await PrefixStore.open({ dir, fingerprint, budgetBytes, logger: silentLogger });
  const cache = new SlotPrefixCache(store, silentLogger, { now: () => clock.t });
  return { dir, clock, store, cache };
}

describe('slot prefix cache', () => {
  test('a file this process checksummed and nobody touched since loads without a second SHA-256 pass; after a restart it is checked', async () => {
    const { dir, clock, cache } = await setup();
    const seq = new FakeSequence(clock, 0, 0);
    seq.contextTokens = range(1, 50);
    await cache.persist([seq]);
    seq.contextTokens = [];
    await cache.prepare(seq, [...range(1, 50), 3], silentLogger);
    assert.equal(seq.contextTokens.length, 50);
    const reopened = await PrefixStore.open({ dir, fingerprint: FP, budgetBytes: 1 << 30, logger: silentLogger });
    const [state] = (await readdir(dir)).filter((n) => n.endsWith('.state'));
    assert.ok(state !== undefined);
    const bytes = await readFile(join(dir, state));
    bytes[bytes.length - 1] = 9;
    await writeFile(join(dir, state), bytes);
    const entry = reopened.list()[0];
    assert.ok(entry !== undefined);
    await assert.rejects(reopened.verify(entry), /checksum/);
  });

  test('a slot about to be replaced is saved; the conversation comes back from disk; nothing is saved twice', async () => {
    const { clock, store, cache } = await setup();
    const seq = new FakeSequence(clock, 0.001, 0.001);
    const a = range(1, 200);
    const b = range(1000, 200);
    await cache.prepare(seq, a, silentLogger);
    seq.contextTokens = a;
    await cache.prepare(seq, b, silentLogger);
    assert.equal(store.size, 1, 'A saved before B replaced it');
    seq.contextTokens = b;
    await cache.prepare(seq, [...a, 7, 8, 9], silentLogger);
    assert.deepEqual(seq.contextTokens, a, 'A loaded back');
    assert.equal(store.size, 2, 'B saved too');
    await cache.prepare(seq, [...b, 5], silentLogger);
    assert.equal(store.size, 2, 'A is on disk already: not saved again');
    assert.equal(cache.stats().hits, 2);
  });

  test('two tasks that share a system prompt leave a short entry of just that prompt, which later tasks load', async () => {
    const { clock, store, cache } = await setup();
    const seq = new FakeSequence(clock, 0, 0);
    const system = range(1, 100);
    const task1 = [...system, ...range(500, 80)];
    const task2 = [...system, ...range(700, 80)];
    seq.contextTokens = task1;
    await cache.persist([seq]);
    seq.contextTokens = task2;
    // A third conversation replaces task 2: task 2 is saved, and the shared 100 tokens become an entry.
    await cache.prepare(seq, range(5000, 200), silentLogger);
    assert.ok(store.holdsExactly(system));
    seq.contextTokens = range(5000, 200);
    const task3 = [...system, ...range(900, 10)];
    await cache.prepare(seq, task3, silentLogger);
    assert.deepEqual(seq.contextTokens, system, 'the short entry was loaded, not a whole conversation');
  });

  test('loads only when the measured load time beats the measured prefill time', async () => {
    const { clock, cache } = await setup();
    // 200 tokens ≈ 20 kB; loading costs 1 ms per kB → ≈ 20 ms.
    const seq = new FakeSequence(clock, 0.001, 0.001);
    const a = range(1, 200);
    seq.contextTokens = a;
    await cache.persist([seq]);
    seq.contextTokens = [];
    cache.observePrefill(1000, 1000); // 1 tok/ms → 200 tokens ≈ 200 ms: loading pays
    await cache.prepare(seq, [...a, 1], silentLogger);
    assert.deepEqual(seq.contextTokens, a);

    seq.contextTokens = [];
    for (let i = 0; i < 30; i++) cache.observePrefill(100_000, 1); // now prefill is far faster than the disk
    await cache.prepare(seq, [...a, 1], silentLogger);
    assert.deepEqual(seq.contextTokens, [], 'prefilling is cheaper: nothing loaded');
  });

  test('the budget evicts least recently used entries; a longer entry replaces its own prefix', async () => {
    const { clock, store, cache } = await setup(45 * BYTES_PER_TOKEN * 2);
    const seq = new FakeSequence(clock, 0, 0);
    for (const start of [1, 1000, 2000]) {
      seq.contextTokens = range(start, 40);
      await cache.persist([seq]);
      clock.t += 1;
    }
    assert.equal(store.size, 2, 'three 40-token entries do not fit in a budget for two');
    assert.equal(store.bestMatch(range(1, 40)), undefined, 'the oldest went first');
    seq.contextTokens = range(2000, 80);
    await cache.persist([seq]);
    assert.equal(store.bestMatch(range(2000, 40))?.entry.tokens.length, 80, 'the 40-token prefix entry was superseded');
  });

  test('entries of another fingerprint, torn saves and corrupt state files never get loaded', async () => {
    const { dir, clock, cache } = await setup();
    const seq = new FakeSequence(clock, 0, 0);
    seq.contextTokens = range(1, 50);
    await cache.persist([seq]);
    await writeFile(join(dir, 'deadbeef.state'), 'orphan');
    await writeFile(join(dir, '.x.tmp'), 'torn');
    const foreign = await PrefixStore.open({ dir, fingerprint: { ...FP, contextSize: 2048 }, budgetBytes: 1 << 30, logger: silentLogger });
    assert.equal(foreign.size, 0);
    assert.deepEqual(await readdir(dir), [], 'foreign, orphan and torn files are gone');

    const { dir: dir2, clock: clock2, store: store2, cache: cache2 } = await setup();
    const seq2 = new FakeSequence(clock2, 0, 0);
    seq2.contextTokens = range(1, 50);
    await cache2.persist([seq2]);
    const [state] = (await readdir(dir2)).filter((n) => n.endsWith('.state'));
    assert.ok(state !== undefined);
    // Same size, mtime put back: only the checksum (forced by the changed ctime) can tell.
    const before = await stat(join(dir2, state));
    const bytes = await readFile(join(dir2, state));
    bytes[bytes.length - 1] = 9;
    await writeFile(join(dir2, state), bytes);
    await utimes(join(dir2, state), before.atime, before.mtime);
    seq2.contextTokens = [];
    await cache2.prepare(seq2, [...range(1, 50), 3], silentLogger);
    assert.deepEqual(seq2.contextTokens, [], 'not loaded');
    assert.equal(cache2.stats().rejected, 1);
    assert.equal(store2.size, 0);
  });
});
