import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StopMatcher } from './stop-matcher.ts';

function feed(stops: string[], pieces: string[]): { out: string; stopped: boolean } {
  const m = new StopMatcher(stops);
  let out = '';
  for (const p of pieces) {
    const r = m.push(p);
    out += r.emit;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + m.flush(), stopped: false };
}

describe('StopMatcher', () => {
  it('passes text through without stop strings', () => {
    assert.deepEqual(feed([], ['a', 'b']), { out: 'ab', stopped: false });
  });

  it('cuts at a stop string split across pieces and excludes it', () => {
    assert.deepEqual(feed(['END'], ['abc E', 'N', 'D tail']), { out: 'abc ', stopped: true });
  });

  it('holds back a possible prefix and releases it when it does not match', () => {
    const m = new StopMatcher(['\n\n']);
    assert.deepEqual(m.push('line\n'), { emit: 'line', stopped: false });
    assert.deepEqual(m.push('next'), { emit: '\nnext', stopped: false });
    assert.equal(m.flush(), '');
  });

  it('chooses the earliest of several stop strings', () => {
    assert.deepEqual(feed(['xyz', 'b'], ['axyzb']), { out: 'a', stopped: true });
  });

  it('never splits a surrogate pair when holding back', () => {
    const m = new StopMatcher(['😀!']);
    const r = m.push('a😀');
    assert.equal(r.emit, 'a');
    assert.equal(m.flush(), '😀');
  });
});
