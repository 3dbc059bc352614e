import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRequestError } from '../api/api-errors.ts';
import { MAX_JSON_DEPTH, readJsonBody } from './read-json-body.ts';

const read = (body: string) => readJsonBody(new Request('http://x/', { method: 'POST', body }), 1 << 20);
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test(`JSON nested ${MAX_JSON_DEPTH} levels is read; one more is a 400 naming the limit`, async () => {
  assert.ok(Array.isArray(await read(nested(MAX_JSON_DEPTH))));
  await assert.rejects(
    read(nested(MAX_JSON_DEPTH + 1)),
    (e: unknown) => e instanceof InvalidRequestError && e.code === 'invalid_json' && e.message.includes(`${MAX_JSON_DEPTH} levels`),
  );
});

test('brackets inside strings, after escaped quotes too, do not count as nesting', async () => {
  const text = `{"a":"${'['.repeat(1000)}","b":"\\"${'{'.repeat(1000)}\\\\"}`;
  assert.deepEqual(await read(text), { a: '['.repeat(1000), b: `"${'{'.repeat(1000)}\\` });
});
