import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatMessage, EngineConfig, InferenceEngine } from '../../src/engine/inference/types.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import { chat, run, startEngine, user } from './engine-fixture.ts';

const SYSTEM: ChatMessage = { role: 'system', content: 'You are a careful coding agent with tools. '.repeat(10) };
const TURN1 = [SYSTEM, user('List the files in src and explain them.')];
const ASK = { sampling: { maxTokens: 24 } };
// The tiny model prefills about as fast as a disk read, so the measured rule could go either way here;
// the rule itself is covered by slot-prefix-cache.test.ts.
const ALWAYS = { prefixCacheOptions: { policy: 'always' as const } };

function capture(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  return {
    logger: createLogger({ level: 'debug', write: (line) => out.push(line) }),
    lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const turn2 = (answer: string): ChatMessage[] => [
  ...TURN1,
  { role: 'assistant', content: answer },
  user('Now write a test for the parser.'),
];

/** Waits until no slot is busy (a write-through to disk holds its slot after the answer). */
async function settled(engine: InferenceEngine): Promise<void> {
  for (let i = 0; i < 500 && engine.stats().busySlots > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(engine.stats().busySlots, 0);
}

async function stateFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.state'));
}

describe('disk prefix cache', () => {
  let dir: string;
  let reference: InferenceEngine;
  before(async () => {
    reference = await startEngine('tiny', { contextSize: 2048 });
  });
  after(() => reference.close());

  const withCache = (extra: Partial<EngineConfig> = {}, logger?: Logger) =>
    startEngine(
      'tiny',
      { contextSize: 2048, prefixCache: { dir, budgetBytes: 256 << 20 }, ...extra },
      { ...ALWAYS, ...(logger === undefined ? {} : { logger }) },
    );

  /** An engine answers TURN1 with the cache on and shuts down (which persists the slot); returns its answer. */
  async function warmAndStop(extra: Partial<EngineConfig> = {}): Promise<string> {
    const engine = await withCache(extra);
    try {
      return (await run(engine, chat(TURN1, ASK))).result.content;
    } finally {
      await engine.close();
    }
  }

  it('a slot persisted on shutdown is restored on start: the follow-up reuses it and answers exactly like a fresh prefill', async () => {
    dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
    try {
      const answer = await warmAndStop();
      assert.equal((await stateFiles(dir)).length, 1, 'close() saved the slot');

      const restarted = await withCache();
      try {
        const warm = await run(restarted, chat(turn2(answer), ASK));
        const cold = await run(reference, chat(turn2(answer), ASK));
        assert.equal(cold.result.usage.cachedTokens, 0);
        const prompt1 = (await reference.prepare(chat(TURN1, ASK))).promptTokens;
        assert.ok(warm.result.usage.cachedTokens >= prompt1, `cached ${warm.result.usage.cachedTokens} < first prompt ${prompt1}`);
        assert.equal(warm.result.content, cold.result.content);
        assert.equal(restarted.stats().prefixCache?.entries, 1);
      } finally {
        await restarted.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a conversation pushed out of the only slot comes back from disk, and a new task starts from the shared system prompt', async () => {
    dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
    const engine = await withCache();
    try {
      const a = await run(engine, chat(TURN1, ASK));
      // Another user's conversation takes the slot: A is saved before it is replaced.
      const other = [{ role: 'system', content: 'Other session. '.repeat(30) } as ChatMessage, user('Hello there, how are you?')];
      await run(engine, chat(other, ASK));
      await settled(engine);
      assert.equal((await stateFiles(dir)).length, 2, 'A (written through or saved before it was replaced) and the other conversation');
      const back = await run(engine, chat(turn2(a.result.content), ASK));
      const cold = await run(reference, chat(turn2(a.result.content), ASK));
      assert.ok(back.result.usage.cachedTokens > 100, `cached ${back.result.usage.cachedTokens}`);
      assert.equal(back.result.content, cold.result.content);
      assert.equal(engine.stats().prefixCache?.hits, 1);

      // A new task: same system prompt, another question, after the other conversation again held the slot.
      await run(engine, chat(other, ASK));
      const task = [SYSTEM, user('Fix the failing build in ci.yml please.')];
      const fresh = await run(engine, chat(task, ASK));
      const freshCold = await run(reference, chat(task, ASK));
      assert.ok(fresh.result.usage.cachedTokens > 80, `cached ${fresh.result.usage.cachedTokens}`);
      assert.equal(fresh.result.content, freshCold.result.content);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('with parallel 2, a new task on the other slot starts from the system prompt another slot wrote through', async () => {
    dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
    const engine = await withCache({ parallel: 2 });
    try {
      const a = await run(engine, chat(TURN1, ASK));
      await settled(engine);
      const task = [SYSTEM, user('Fix the failing build in ci.yml please.')];
      // A's next turn keeps slot 0 (its prefix is there); the new task gets the empty slot 1.
      const [next, fresh] = await Promise.all([run(engine, chat(turn2(a.result.content), ASK)), run(engine, chat(task, ASK))]);
      assert.ok(next.result.usage.cachedTokens > 100, `A's next turn cached ${next.result.usage.cachedTokens}`);
      assert.ok(fresh.result.usage.cachedTokens > 80, `new task cached ${fresh.result.usage.cachedTokens}`);
      assert.equal(fresh.result.content, (await run(reference, chat(task, ASK))).result.content);
      assert.equal(engine.stats().prefixCache?.hits, 1);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a corrupt entry is rejected before loading, logged, and the request answers like a cold run', async () => {
    dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
    try {
      const answer = await warmAndStop();
      const [file] = await stateFiles(dir);
      assert.ok(file !== undefined);
      const bytes = await readFile(join(dir, file));
      bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] ?? 0) ^ 0xff;
      await writeFile(join(dir, file), bytes);

      const log = capture();
      const engine = await withCache({}, log.logger);
      try {
        const rejected = log.lines().find((l) => String(l['msg']).includes('entry rejected'));
        assert.match(String(rejected?.['reason']), /checksum/);
        const r = await run(engine, chat(turn2(answer), ASK));
        const cold = await run(reference, chat(turn2(answer), ASK));
        assert.equal(r.result.usage.cachedTokens, 0);
        assert.equal(r.result.content, cold.result.content);
        assert.equal(engine.stats().prefixCache?.rejected, 1);
      } finally {
        await engine.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an entry corrupted while indexed is caught by the check right before loading', async () => {
    dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
    const log = capture();
    const engine = await withCache({}, log.logger);
    try {
      const a = await run(engine, chat(TURN1, ASK));
      await run(engine, chat([{ role: 'system', content: 'Other session. '.repeat(30) }, user('Hi.')], ASK));
      await settled(engine);
      const files = await stateFiles(dir);
      assert.ok(files.length > 0);
      for (const file of files) await writeFile(join(dir, file), Buffer.alloc(64, 7));
      const r = await run(engine, chat(turn2(a.result.content), ASK));
      assert.ok(r.result.usage.cachedTokens < 20, `cached ${r.result.usage.cachedTokens}`);
      const rejected = log.lines().find((l) => l['msg'] === 'prefix cache: entry rejected, not loaded');
      assert.match(String(rejected?.['reason']), /size|checksum/);
      await settled(engine);
      assert.ok(!(await stateFiles(dir)).includes(`${String(rejected?.['entry'])}.state`), 'the rejected entry is deleted');
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const foreign of [
    { name: 'another context size', config: { contextSize: 1024 } as Partial<EngineConfig>, field: /contextSize/ },
    { name: 'another model', config: {} as Partial<EngineConfig>, field: /modelSha256/, kind: 'scripted' as const },
  ]) {
    it(`an entry made with ${foreign.name} is never loaded: rejected and logged`, async () => {
      dir = await mkdtemp(join(tmpdir(), 'prefix-cache-'));
      try {
        await warmAndStop();
        assert.equal((await stateFiles(dir)).length, 1);
        const log = capture();
        const engine = await startEngine(
          foreign.kind ?? 'tiny',
          { contextSize: 2048, prefixCache: { dir, budgetBytes: 256 << 20 }, ...foreign.config },
          { ...ALWAYS, logger: log.logger },
        );
        try {
          const rejected = log.lines().find((l) => String(l['msg']).includes('entry rejected'));
          assert.match(String(rejected?.['reason']), foreign.field);
          assert.equal(engine.stats().prefixCache?.entries, 0);
          const r = await run(engine, chat(TURN1, ASK));
          assert.equal(r.result.usage.cachedTokens, 0);
        } finally {
          await engine.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
