import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonValueScanner } from './json-value-scanner.ts';

describe('JsonValueScanner', () => {
  it('completes on the closing brace of the top-level object', () => {
    const s = new JsonValueScanner();
    assert.equal(s.push('{"a":{"b":[1,'), 13);
    assert.equal(s.complete, false);
    assert.equal(s.push('2]}}xyz'), 4);
    assert.equal(s.complete, true);
  });

  it('ignores brackets inside strings and escaped quotes', () => {
    const s = new JsonValueScanner();
    s.push('{"k":"}]\\"{"');
    assert.equal(s.complete, false);
    s.push('}');
    assert.equal(s.complete, true);
  });

  it('completes a top-level string and a scalar at its delimiter', () => {
    const a = new JsonValueScanner();
    assert.equal(a.push(' "x" rest'), 4);
    assert.equal(a.complete, true);
    const b = new JsonValueScanner();
    assert.equal(b.push('12'), 2);
    assert.equal(b.complete, false);
    assert.equal(b.push(' '), 0);
    assert.equal(b.complete, true);
  });
});
