import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseUserInput } from './user-inputs.ts';

const ok = (spec: string) => {
  const r = parseUserInput(spec);
  assert.equal(r.ok, true, `${spec}: ${r.ok ? '' : r.error}`);
  return r.ok ? r.input : undefined;
};
const bad = (spec: string, why: RegExp) => {
  const r = parseUserInput(spec);
  assert.equal(r.ok, false, `${spec} should be rejected`);
  if (!r.ok) assert.match(r.error, why);
};

test('3 and 5 fields are accepted, official blank-params form included', () => {
  assert.deepEqual(ok('M|text|Name'), { mandatory: true, type: 'text', description: 'Name', params: '', default: '' });
  assert.deepEqual(ok('O|number|Port number for the API endpoint.| |8000'), {
    mandatory: false,
    type: 'number',
    description: 'Port number for the API endpoint.',
    params: '',
    default: '8000',
  });
  ok('O|boolean|Enable||NO');
  ok('O|password|API key (empty = generate one)||');
});

test("4 fields (which OpenNebula's CLI rejects, unlike 3 or 5) and fewer than 3 are rejected", () => {
  bad('O|text|CPU threads|0', /4 is rejected/);
  bad('O|text', /need 3/);
  bad('O|text|a|b|c|d', /only 3 or 5/);
});

test('flags, types and descriptions are checked', () => {
  bad('X|text|Name', /M or O/);
  bad('O|string|Name||', /unknown type/);
  bad('O|text| ||', /empty description/);
});

test('typed defaults: boolean, number, range, list', () => {
  bad('O|boolean|Enable||true', /YES or NO/);
  bad('O|number|Port||80a', /integer/);
  ok('O|range|Threads|1..64|8');
  bad('O|range|Threads|1-64|8', /min\.\.max/);
  bad('O|range|Threads|1..64|99', /outside/);
  ok('O|list|TLS certificate|self-signed,letsencrypt|self-signed');
  bad('O|list|TLS|self-signed,letsencrypt|acme', /not one of/);
  bad('O|list|Sizes|8192,,16384|8192', /comma-separated/);
  ok('O|list-multiple|Features|a,b,c|a,c');
});
