/**
 * The JSON Schema → GBNF compiler on scalar keywords, checked with llama.cpp's own grammar matcher
 * against ajv: every listed instance is first confirmed valid or invalid by the validator.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grammarTestKit, languageFailures } from '../support/schema-check.ts';

const { checkSchema, expectLanguage } = grammarTestKit();

describe('strings', () => {
  it('accepts JSON strings with escapes and any Unicode, nothing else', async () => {
    await expectLanguage(
      { type: 'string' },
      {
        valid: ['""', '"a b"', String.raw`"a\nb\t\"q\"\\ \/"`, String.raw`"\u00e9\u0001"`, '"é 😀 中"'],
        invalid: ['"a', '"a\nb"', String.raw`"\x41"`, String.raw`"\u12"`, "'a'", '1', 'null'],
        // One character spelled as two escapes would upset length counting; a lone surrogate is not Unicode.
        // Whitespace around a tool call's arguments is not part of them.
        outside: [String.raw`"\ud83d\ude00"`, '"a" '],
      },
    );
  });

  it('minLength and maxLength count characters, an escape or an emoji being one', async () => {
    await expectLanguage(
      { type: 'string', minLength: 2, maxLength: 3 },
      {
        valid: ['"ab"', '"abc"', String.raw`"a\n"`, '"é😀"'],
        invalid: ['""', '"a"', '"abcd"', '"😀"', String.raw`"\n"`],
      },
    );
  });

  it('a maxLength past the repetition limit is lowered to it; the grammar stays a subset', async () => {
    const check = await checkSchema({ type: 'string', maxLength: 5000 });
    assert.deepEqual(languageFailures(check, { valid: [`"${'x'.repeat(1000)}"`], outside: [`"${'x'.repeat(1001)}"`] }), []);
    assert.deepEqual(check.widenings, []);
  });

  it('pattern and format are reported, and the grammar still accepts every valid instance', async () => {
    await expectLanguage({ type: 'string', pattern: '^a+$' }, { valid: ['"aa"'] }, ['/ pattern']);
    const check = await checkSchema({ type: 'string', pattern: '^a+$' });
    assert.ok(check.accepts('"b"'));
    assert.deepEqual(check.widenings, [{ path: '', keyword: 'pattern' }]);
  });
});

describe('integers', () => {
  it('plain integers: no leading zeros, no fraction, at most 16 digits', async () => {
    await expectLanguage(
      { type: 'integer' },
      {
        valid: ['0', '-5', '1234567890123456', '-1234567890123456'],
        invalid: ['01', '1.5', '+1', '"1"', '1e2.5', '-'],
        outside: ['12345678901234567', '1e2', '1.0'],
      },
    );
  });

  it('exclusiveMinimum 0 and maximum 2^53−1 (Cline read_files) are exact', async () => {
    await expectLanguage(
      { type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 },
      {
        valid: ['1', '9', '10', '999999999999999', '9007199254740991', '9007199254740990', '8999999999999999'],
        invalid: ['0', '-1', '9007199254740992', '9999999999999999', '-0'],
      },
    );
  });

  it('minimum and maximum, inclusive and exclusive, as numbers and as draft-04 booleans', async () => {
    const cases = [
      { schema: { type: 'integer', minimum: -3, maximum: 12 }, lo: -3, hi: 12 },
      { schema: { type: 'integer', exclusiveMinimum: -3, exclusiveMaximum: 12 }, lo: -2, hi: 11 },
      { schema: { type: 'integer', minimum: 2.5, maximum: 19.5 }, lo: 3, hi: 19 },
      { schema: { type: 'integer', minimum: -107, maximum: -98 }, lo: -107, hi: -98 },
      { schema: { type: 'integer', minimum: 5, exclusiveMinimum: true, maximum: 99, exclusiveMaximum: true }, lo: 6, hi: 98 },
    ];
    for (const { schema, lo, hi } of cases) {
      const check = await checkSchema(schema);
      const wrong: number[] = [];
      for (let n = -130; n <= 130; n++) if (check.accepts(String(n)) !== (n >= lo && n <= hi)) wrong.push(n);
      assert.deepEqual(wrong, [], `${JSON.stringify(schema)}\n${check.gbnf}`);
    }
  });

  it('multipleOf is reported', async () => {
    await expectLanguage({ type: 'integer', multipleOf: 5 }, { valid: ['10'] }, ['/ multipleOf']);
  });
});

describe('numbers', () => {
  it('plain numbers: JSON syntax with bounded digits', async () => {
    await expectLanguage(
      { type: 'number' },
      {
        valid: ['0', '-1.5', '2e10', '1.25E-3', '3'],
        invalid: ['.5', '1.', '01', 'NaN', '--1', '"1"'],
        outside: ['1e100', '1.12345678901234567'],
      },
    );
  });

  it('bounded numbers stay inside the bounds', async () => {
    await expectLanguage(
      { type: 'number', minimum: 0, exclusiveMaximum: 10 },
      {
        valid: ['0', '9', '9.99', '0.5', '3.25'],
        invalid: ['-1', '10', '10.5', '-0.5', '11'],
        outside: ['9.5e0', '1e0'],
      },
    );
    await expectLanguage(
      { type: 'number', exclusiveMinimum: 0, maximum: 2.5 },
      // 0.5 is left out: a fraction follows only an integer part that is itself in range ("0.0" is not).
      { valid: ['1', '2', '1.5'], invalid: ['0', '3', '2.6', '0.0'], outside: ['2.5', '0.5', '0.0001e1'] },
    );
  });
});

describe('booleans, null, type lists, enum and const', () => {
  it('boolean, null and ["string","null"]', async () => {
    await expectLanguage({ type: 'boolean' }, { valid: ['true', 'false'], invalid: ['True', '1', 'null'] });
    await expectLanguage({ type: 'null' }, { valid: ['null'], invalid: ['"null"', 'nul'] });
    await expectLanguage({ type: ['string', 'null'] }, { valid: ['"x"', 'null'], invalid: ['1', 'true'] });
    await expectLanguage({ type: ['integer', 'number'] }, { valid: ['1', '1.5'], invalid: ['"1"'] });
  });

  it('enum of mixed values, written compactly', async () => {
    await expectLanguage(
      { enum: ['a b', 1, null, { x: [1, 'q"'] }, 'é'] },
      {
        valid: ['"a b"', '1', 'null', String.raw`{"x":[1,"q\""]}`, '"é"'],
        invalid: ['"a"', '2', '"1"', 'true'],
        outside: ['1.0', '{ "x": [1, "q\\""] }'],
      },
    );
  });

  it('enum values of another type than `type` are dropped; const is one value', async () => {
    await expectLanguage({ type: 'string', enum: ['create', 'list', 7] }, { valid: ['"create"', '"list"'], invalid: ['7', '"7"'] });
    await expectLanguage({ type: 'integer', enum: [1, 2.5, 3] }, { valid: ['1', '3'], invalid: ['2.5'] });
    await expectLanguage({ const: 'sync' }, { valid: ['"sync"'], invalid: ['"async"'] });
  });

  it('an enum next to other constraints is reported (they are not checked against the values)', async () => {
    await expectLanguage({ type: 'string', enum: ['a', 'bb'], minLength: 2 }, { valid: ['"bb"'] }, ['/ minLength']);
  });
});

describe('annotations and whitespace', () => {
  it('$schema, title, description, default, examples and $comment change nothing', async () => {
    const check = await checkSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $comment: 'c',
      title: 't',
      description: 'd',
      type: 'string',
      default: 'x',
      examples: ['y'],
    });
    assert.deepEqual(check.widenings, []);
    assert.equal(check.gbnf, (await checkSchema({ type: 'string' })).gbnf);
  });

  it('whitespace is bounded: one space around a colon; one space, or a newline and up to 24 blanks, elsewhere', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    await expectLanguage(schema, {
      valid: ['{"a":"x"}', '{ "a" : "x" }', `{\n  "a": "x"\n}`, `{\n${' '.repeat(24)}"a": "x"}`, `{\n\t\t"a": "x"\n\t}`],
      invalid: ['{"a":1}', '{"a":"x",}'],
      outside: ['{"a":  "x"}', '{"a":\n"x"}', `{\n${' '.repeat(25)}"a": "x"}`, '{  "a":"x"}', '{"a":"x"}\n'],
    });
  });
});
