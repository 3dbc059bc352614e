import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SseWriter } from './sse-writer.ts';

test('buffers frames until attached, then writes data frames and [DONE]', () => {
  const out: string[] = [];
  const w = new SseWriter(0);
  w.send({ a: 1 });
  assert.equal(out.length, 0);
  w.attach({ write: (t) => out.push(t) });
  w.send({ b: 'x\ny' });
  w.done();
  w.send({ c: 3 });
  assert.deepEqual(out, ['data: {"a":1}\n\n', 'data: {"b":"x\\ny"}\n\n', 'data: [DONE]\n\n']);
  assert.equal(w.framesSent, 3);
});

test('pings only after a full interval without writes', async () => {
  const out: { text: string; at: number }[] = [];
  const w = new SseWriter(40);
  w.attach({ write: (text) => out.push({ text, at: performance.now() }) });
  await sleep(130);
  for (let i = 0; i < 8; i++) {
    w.send(i);
    await sleep(i * 10);
  }
  w.close();
  assert.ok(out.filter((o) => o.text === ': ping\n\n').length >= 2);
  // Whatever the machine's load, a ping never follows another write sooner than the interval.
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.text === ': ping\n\n') assert.ok(out[i]!.at - out[i - 1]!.at >= 35, JSON.stringify(out));
  }
});
