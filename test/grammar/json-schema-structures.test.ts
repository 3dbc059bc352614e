/**
 * The JSON Schema → GBNF compiler on objects, arrays, combinators and references, checked with
 * llama.cpp's grammar matcher against ajv.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grammarTestKit, languageFailures } from '../support/schema-check.ts';

const { checkSchema, expectLanguage } = grammarTestKit();

const closed = (properties: Record<string, unknown>, required: string[]) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});

describe('objects', () => {
  it('required and optional properties: every subset of the optional ones, in declared order', async () => {
    const names = ['b', 'a', 'c', 'd', 'e'];
    const schema = closed(Object.fromEntries(names.map((n) => [n, { type: 'integer' }])), ['a']);
    const check = await checkSchema(schema);
    const optional = names.filter((n) => n !== 'a');
    const valid: string[] = [];
    const outside: string[] = [];
    for (let mask = 0; mask < 1 << optional.length; mask++) {
      const present = new Set(optional.filter((_, i) => (mask >> i) & 1));
      const inOrder = names.filter((n) => n === 'a' || present.has(n));
      valid.push(`{${inOrder.map((n) => `"${n}":1`).join(',')}}`);
      if (inOrder.length > 1)
        outside.push(
          `{${[...inOrder]
            .reverse()
            .map((n) => `"${n}":1`)
            .join(',')}}`,
        );
    }
    assert.deepEqual(languageFailures(check, { valid, outside }), []);
    assert.deepEqual(
      languageFailures(check, {
        valid: ['{ "b": 1, "a": 2 }', '{\n  "a": 3,\n  "e": 4\n}'],
        invalid: ['{}', '{"b":1}', '{"a":1,"f":2}', '{"a":"1"}', '{"a":1,}', '{,"a":1}', '{"a":1 "c":2}'],
        outside: ['{"a":1,"a":2}'],
      }),
      [],
    );
  });

  it('an object with nothing declared is open; one with properties is closed unless additionalProperties says so', async () => {
    await expectLanguage({ type: 'object' }, { valid: ['{}', '{"k":[1,{"q":null}],"z":"s"}'], invalid: ['[]', '"{}"'] });
    await expectLanguage(
      { type: 'object', properties: { a: { type: 'string' } } },
      { valid: ['{}', '{"a":"x"}'], invalid: ['{"a":1}'], outside: ['{"a":"x","b":1}'] },
    );
    await expectLanguage(closed({}, []), { valid: ['{}', '{ }'], invalid: ['{"a":1}'] });
  });

  it('additionalProperties true or a schema: extra keys after the declared ones, never a declared name', async () => {
    const props = { a: { type: 'string' }, ab: { type: 'integer' } };
    await expectLanguage(
      { type: 'object', properties: props, required: ['a'], additionalProperties: true },
      {
        valid: ['{"a":"x"}', '{"a":"x","b":[true]}', '{"a":"x","ab":1,"abc":null,"":{}}', '{"a":"x","A":1,"é":2}'],
        invalid: ['{"a":"x","ab":"y"}', '{"b":1}'],
        outside: ['{"b":1,"a":"x"}', '{"a":"x","a":"y"}', String.raw`{"a":"x","\u0062":1}`],
      },
    );
    await expectLanguage(
      { type: 'object', properties: props, required: ['a'], additionalProperties: { type: 'integer', minimum: 0 } },
      { valid: ['{"a":"x","k":5}', '{"a":"x","k":0,"m":7}'], invalid: ['{"a":"x","k":"s"}', '{"a":"x","k":-1}'] },
    );
  });

  it('a required property that is not declared must appear, with any value', async () => {
    await expectLanguage({ type: 'object', required: ['id'] }, { valid: ['{"id":1}', '{"id":"x","more":[]}'], invalid: ['{}'] });
  });

  it('nested objects (Cline read_files)', async () => {
    const line = { anyOf: [{ type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 }, { type: 'null' }] };
    const file = closed({ path: { type: 'string' }, start_line: line, end_line: line }, ['path']);
    await expectLanguage(closed({ files: { type: 'array', items: file } }, ['files']), {
      valid: [
        '{"files":[]}',
        '{"files":[{"path":"a"},{"path":"b","start_line":3,"end_line":null}]}',
        '{"files": [{"path": "a", "end_line": 9}]}',
      ],
      invalid: ['{"files":[{"start_line":1}]}', '{"files":[{"path":"a","start_line":0}]}', '{"files":{"path":"a"}}'],
    });
  });

  it('minProperties, propertyNames and patternProperties are reported and widen', async () => {
    await expectLanguage({ type: 'object', minProperties: 1 }, { valid: ['{"a":1}'], outside: [] }, ['/ minProperties']);
    await expectLanguage(
      { ...closed({ a: { type: 'string' } }, []), patternProperties: { '^x': { type: 'integer' } } },
      { valid: ['{"a":"s","x1":2}'] },
      ['/ patternProperties'],
    );
  });
});

describe('arrays', () => {
  it('items with minItems and maxItems (Cline ask_question)', async () => {
    await expectLanguage(
      { type: 'array', minItems: 2, maxItems: 5, items: { type: 'string', minLength: 1 } },
      {
        valid: ['["a","b"]', '[ "a", "b", "c", "d", "e" ]', '[\n  "a",\n  "b"\n]'],
        invalid: ['[]', '["a"]', '["a","b","c","d","e","f"]', '["a",""]', '["a","b",]', '["a" "b"]'],
      },
    );
  });

  it('no items keyword means any items; maxItems 0 and items false mean empty', async () => {
    await expectLanguage({ type: 'array' }, { valid: ['[]', '[1,"a",null,[{}]]'], invalid: ['[,]'] });
    await expectLanguage({ type: 'array', maxItems: 0 }, { valid: ['[]', '[ ]'], invalid: ['[1]'] });
    await expectLanguage({ type: 'array', items: false }, { valid: ['[]'], invalid: ['[1]'] });
  });

  it('uniqueItems and prefixItems are reported and widen', async () => {
    await expectLanguage({ type: 'array', items: { type: 'integer' }, uniqueItems: true }, { valid: ['[1,2]'] }, ['/ uniqueItems']);
    await expectLanguage({ type: 'array', prefixItems: [{ type: 'integer' }], items: { type: 'string' } }, { valid: ['[1,"a"]'] }, [
      '/ prefixItems',
    ]);
  });
});

describe('combinators and references', () => {
  it('anyOf is a union; a branch nothing satisfies drops out', async () => {
    await expectLanguage(
      { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }, { type: 'string', minLength: 3, maxLength: 2 }] },
      { valid: ['1', 'null'], invalid: ['0', '"abc"', '""'] },
    );
  });

  it('oneOf with disjoint branches is exact; overlapping branches are reported', async () => {
    await expectLanguage({ oneOf: [{ type: 'string' }, { type: 'integer' }] }, { valid: ['"a"', '1'], invalid: ['true'] });
    await expectLanguage({ oneOf: [{ const: 'a' }, { const: 'b' }] }, { valid: ['"a"', '"b"'], invalid: ['"c"'] });
    await expectLanguage({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, { valid: ['1.5'] }, ['/ oneOf']);
  });

  it('allOf of one schema is that schema; a combinator beside other constraints is reported', async () => {
    await expectLanguage({ allOf: [{ type: 'string', maxLength: 1 }] }, { valid: ['"a"'], invalid: ['"ab"'] });
    await expectLanguage(
      { ...closed({ a: { type: 'integer' }, b: { type: 'integer' } }, []), anyOf: [{ required: ['a'] }, { required: ['b'] }] },
      { valid: ['{"a":1}', '{"b":2}'] },
      ['/ anyOf'],
    );
  });

  it('local $ref into $defs, and recursion through #', async () => {
    await expectLanguage(
      {
        $defs: { name: { type: 'string', minLength: 1 } },
        ...closed({ first: { $ref: '#/$defs/name' }, last: { $ref: '#/$defs/name' } }, ['first']),
      },
      { valid: ['{"first":"a","last":"b"}'], invalid: ['{"first":""}', '{"last":"b"}'] },
    );
    await expectLanguage(closed({ v: { type: 'integer' }, kids: { type: 'array', items: { $ref: '#' } } }, ['v']), {
      valid: ['{"v":1}', '{"v":1,"kids":[{"v":2,"kids":[{"v":3}]},{"v":4}]}'],
      invalid: ['{"v":1,"kids":[{}]}', '{"v":1,"kids":[1]}'],
    });
  });

  it('a $ref that is not local is reported and becomes any value', async () => {
    await expectLanguage(closed({ a: { $ref: 'https://example.invalid/s.json' } }, ['a']), { valid: [] }, ['/properties/a $ref']);
  });

  it('not, if/then/else are reported; false and unsatisfiable schemas match nothing', async () => {
    await expectLanguage({ type: 'string', not: { const: 'x' } }, { valid: ['"y"'] }, ['/ not']);
    await expectLanguage(closed({ a: false, b: { type: 'integer' } }, []), { valid: ['{}', '{"b":1}'], invalid: ['{"a":1}'] });
    const check = await checkSchema(closed({ a: { type: 'string', minLength: 2, maxLength: 1 } }, ['a']));
    assert.deepEqual(check.widenings, [{ path: '', keyword: 'unsatisfiable' }]);
  });
});
