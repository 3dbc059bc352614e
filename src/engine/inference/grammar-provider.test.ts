import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExactlyCompilable } from './grammar-provider.ts';

describe('isExactlyCompilable', () => {
  it('accepts closed objects whose properties are all required', () => {
    assert.equal(
      isExactlyCompilable({
        type: 'object',
        description: 'x',
        properties: { a: { type: 'string' }, b: { type: 'array', items: { enum: ['x', 'y'] } } },
        required: ['a', 'b'],
        additionalProperties: false,
      }),
      true,
    );
  });

  it('refuses what node-llama-cpp would compile to a different language', () => {
    const optional = { type: 'object', properties: { a: { type: 'string' } }, required: [], additionalProperties: false };
    const open = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const anyOf = {
      type: 'object',
      properties: { a: { anyOf: [{ type: 'integer', exclusiveMinimum: 0 }, { type: 'null' }] } },
      required: ['a'],
      additionalProperties: false,
    };
    const minLength = { type: 'object', properties: { a: { type: 'string', minLength: 1 } }, required: ['a'], additionalProperties: false };
    for (const schema of [optional, open, anyOf, minLength, { type: 'object' }, undefined, 'x']) {
      assert.equal(isExactlyCompilable(schema), false, JSON.stringify(schema));
    }
  });
});
