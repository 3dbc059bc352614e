import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pythonJson } from './python-json.ts';

describe('pythonJson', () => {
  it('uses Python separators, keeps non-ASCII and escapes like JSON', () => {
    const value = { a: [1, 'x"y', null, { b: true }], ü: 'é', s: 'a: b, c' };
    assert.equal(pythonJson(value), '{"a": [1, "x\\"y", null, {"b": true}], "ü": "é", "s": "a: b, c"}');
    assert.deepEqual(JSON.parse(pythonJson(value)), value);
  });
});
