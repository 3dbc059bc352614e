import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DraftController } from './draft-controller.ts';

/** Feeds a shadow proposal and then the tokens the generation produced. */
function shadowed(c: DraftController, proposal: number[], produced: number[]): void {
  assert.equal(c.plan(proposal.length), 0, 'not verified while drafting does not pay');
  c.shadow(proposal);
  for (const t of produced) c.generated(t);
}

describe('draft planning by expected tokens per cost', () => {
  it('verifies nothing without evidence, and nothing when proposals keep missing (no-copy text)', () => {
    const c = new DraftController({ maxDraft: 16 });
    assert.equal(c.plan(16), 0, 'no evidence yet');
    for (let i = 0; i < 20; i++) shadowed(c, [1, 2, 3, 4], [1, 9]);
    assert.equal(c.plan(16), 0, 'one token in four accepted never pays for a batch');
    assert.equal(c.drafts, 0);
    assert.equal(c.shadowed, 20);
  });

  it('starts drafting once shadow proposals show a copy, at a long length', () => {
    const c = new DraftController({ maxDraft: 16 });
    const copy = Array.from({ length: 16 }, (_, i) => i + 1);
    shadowed(c, copy, copy);
    assert.equal(c.plan(16), 16, 'a whole 16-token copy pays');
    assert.equal(c.plan(3), 0, 'a short proposal costs more than it can deliver');
  });

  it('a partly accepted copy settles on the length that pays best; a run of misses stops it', () => {
    const c = new DraftController({ maxDraft: 16 });
    for (let i = 0; i < 4; i++) c.record(16, 12);
    assert.equal(c.plan(16), 12);
    for (let i = 0; i < 16; i++) c.record(12, 0);
    assert.equal(c.plan(16), 0);
    assert.deepEqual([c.drafts, c.draftedTokens, c.acceptedTokens], [20, 64 + 192, 48]);
  });

  it('whole acceptance lets the draft grow beyond its last length', () => {
    const c = new DraftController({ maxDraft: 32 });
    for (let i = 0; i < 4; i++) c.record(16, 16);
    assert.equal(c.plan(32), 32);
  });

  it('learns the cost: slower draft steps than assumed need more accepted tokens', () => {
    const cheap = new DraftController({ maxDraft: 16 });
    const dear = new DraftController({ maxDraft: 16 });
    for (const c of [cheap, dear]) for (let i = 0; i < 3; i++) c.plainStep(10);
    // Prior cost of d = 8: 1 + 1 + 0.55·8 = 6.4 plain steps = 64 ms; at most 1.4× that is believed.
    for (let i = 0; i < 8; i++) {
      cheap.record(8, 6, 30);
      dear.record(8, 6, 130);
    }
    assert.equal(cheap.plan(8), 6, 'the 7th and 8th tokens were never accepted: not worth their cost');
    assert.equal(dear.plan(8), 0);
  });

  it('load spikes on a shared machine do not stop a copy that is accepted whole', () => {
    const c = new DraftController({ maxDraft: 16 });
    for (let i = 0; i < 3; i++) c.plainStep(10);
    for (let i = 0; i < 8; i++) c.record(16, 16, 5_000);
    assert.equal(c.plan(16), 16);
  });

  it("'always' verifies every proposal at full length (tests of the verification rule)", () => {
    const c = new DraftController({ maxDraft: 4, policy: 'always' });
    assert.equal(c.plan(1), 1);
    assert.equal(c.plan(9), 4);
  });
});
