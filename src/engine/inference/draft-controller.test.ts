import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DraftController } from './draft-controller.ts';

describe('draft length control', () => {
  it('shrinks to what was accepted + 1 and grows back on full acceptance', () => {
    const c = new DraftController({ maxDraft: 8 });
    assert.equal(c.allowance(), 8);
    c.record(8, 2);
    assert.equal(c.allowance(), 3);
    c.record(3, 3);
    assert.equal(c.allowance(), 6);
    c.record(6, 6);
    assert.equal(c.allowance(), 8);
  });

  it('pauses after repeated misses, longer each time, and resumes after a hit', () => {
    const c = new DraftController({ maxDraft: 8, missLimit: 2 });
    c.record(8, 0);
    c.record(4, 0);
    assert.equal(c.allowance(), 0);
    for (let i = 0; i < 4; i++) c.plainStep();
    assert.ok(c.allowance() > 0);
    c.record(2, 0);
    c.record(1, 0);
    for (let i = 0; i < 4; i++) c.plainStep();
    assert.equal(c.allowance(), 0, 'the second pause lasts longer');
    for (let i = 0; i < 4; i++) c.plainStep();
    assert.ok(c.allowance() > 0);
    c.record(1, 1);
    assert.deepEqual([c.drafts, c.draftedTokens, c.acceptedTokens], [5, 16, 1]);
  });
});

describe('draft cost control', () => {
  it('pauses when draft steps deliver fewer tokens per ms than plain steps, even with hits', () => {
    const c = new DraftController({ maxDraft: 8 });
    for (let i = 0; i < 3; i++) c.plainStep(10);
    // 2 tokens per 40 ms (0.05/ms) against 1 per 10 ms (0.1/ms): losing.
    c.record(4, 1, 40);
    c.record(2, 1, 40);
    assert.ok(c.allowance() > 0, 'not judged before enough timed drafts');
    c.record(2, 1, 40);
    assert.equal(c.allowance(), 0);
  });

  it('keeps drafting when draft steps win', () => {
    const c = new DraftController({ maxDraft: 8 });
    for (let i = 0; i < 3; i++) c.plainStep(10);
    for (let i = 0; i < 5; i++) c.record(8, 8, 20);
    assert.equal(c.allowance(), 8);
  });
});
