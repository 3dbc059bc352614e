import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from './errors.ts';
import { choiceOption, decimalOption, flagOption, intOption, optionsHelp, parseOptions, textOption, toggleOption } from './options.ts';

const table = {
  out: textOption({ short: 'o', placeholder: 'FILE', required: true, description: 'output path' }),
  host: textOption({ placeholder: 'HOST', default: '127.0.0.1', description: 'listen address' }),
  name: textOption({ placeholder: 'NAME', description: 'image name', pattern: { regex: /^[a-z]+$/, rule: 'lower-case letters' } }),
  port: intOption({ min: 0, max: 65535, default: 8080, description: 'listen port' }),
  grace: decimalOption({ placeholder: 'S', min: 0, max: 60, default: 20, description: 'grace period' }),
  accel: choiceOption(['kvm', 'tcg', 'auto'], { default: 'auto', description: 'accelerator' }),
  quick: flagOption({ description: 'be quick' }),
  'metrics-auth': toggleOption({ description: 'key for /metrics', defaultText: 'yes when a key is configured' }),
};

/** The UsageError's issues as `field: message` lines. */
function usageIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.issues.map((i) => `${i.field}: ${i.message}`);
  }
  return assert.fail('no UsageError');
}

test('values are typed and defaulted; short forms, --name=value and --no- toggles work', () => {
  assert.deepEqual(parseOptions(table, ['-o', 'm.gguf']), {
    out: 'm.gguf',
    host: '127.0.0.1',
    name: undefined,
    port: 8080,
    grace: 20,
    accel: 'auto',
    quick: false,
    'metrics-auth': undefined,
  });
  const v = parseOptions(table, [
    '--out=x',
    '--port',
    '0',
    '--grace',
    '2.5',
    '--accel',
    'tcg',
    '--quick',
    '--no-metrics-auth',
    '--name',
    'abc',
  ]);
  assert.deepEqual([v.out, v.port, v.grace, v.accel, v.quick, v['metrics-auth'], v.name], ['x', 0, 2.5, 'tcg', true, false, 'abc']);
  assert.equal(parseOptions(table, ['-o', 'x', '--metrics-auth'])['metrics-auth'], true);
});

test('every bad value is reported at once, naming the option, what it accepts and what was given', () => {
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['--port', 'eighty', '--grace', '61', '--accel', 'fast', '--name', 'A1', '--host', ''])),
    [
      '--out: is required (FILE)',
      '--host: must not be empty (got "")',
      '--name: must be lower-case letters (got "A1")',
      '--port: must be an integer from 0 to 65535 (got "eighty")',
      '--grace: must be a number from 0 to 60 (got "61")',
      '--accel: must be one of kvm, tcg, auto (got "fast")',
    ],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['-o', 'x', '--port', '1.5'])),
    ['--port: must be an integer from 0 to 65535 (got "1.5")'],
  );
});

test('unknown options, missing values, stray arguments and --no- on a plain flag are usage errors', () => {
  const known = '(known: --out, --host, --name, --port, --grace, --accel, --quick, --[no-]metrics-auth)';
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['--root', 'X'])),
    [`--root: unknown option ${known}`],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['-o'])),
    ['--out: needs a value: -o, --out FILE'],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['--quick=yes'])),
    ['--quick: takes no value'],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['-o', 'x', 'extra'])),
    ['extra: unexpected argument (this command takes options only)'],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['-o', 'x', '--no-quick'])),
    [`--no-quick: unknown option ${known}`],
  );
});

test('positional arguments are parsed in order like options, and are required', () => {
  const kind = { kind: choiceOption(['tiny', 'bench'], { required: true, description: 'which model' }) };
  assert.equal(parseOptions(table, ['bench', '-o', 'x'], kind).kind, 'bench');
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['-o', 'x'], kind)),
    ['<kind>: is required (tiny|bench)'],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['huge', '-o', 'x'], kind)),
    ['<kind>: must be one of tiny, bench (got "huge")'],
  );
  assert.deepEqual(
    usageIssues(() => parseOptions(table, ['tiny', 'more', '-o', 'x'], kind)),
    ['more: unexpected argument (this command takes <kind>)'],
  );
});

test('help lines: label with its value, description, and the default', () => {
  assert.deepEqual(optionsHelp(table), [
    '  -o, --out FILE          output path',
    '  --host HOST             listen address (default: 127.0.0.1)',
    '  --name NAME             image name',
    '  --port N                listen port (default: 8080)',
    '  --grace S               grace period (default: 20)',
    '  --accel kvm|tcg|auto    accelerator (default: auto)',
    '  --quick                 be quick',
    '  --[no-]metrics-auth     key for /metrics (default: yes when a key is configured)',
  ]);
});
