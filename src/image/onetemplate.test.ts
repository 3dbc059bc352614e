import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { CONTEXT_VARIABLES } from '../appliance/context/context-variables.ts';
import type { MarketplaceAppliance } from './marketplace.ts';
import { buildOneTemplate, IMAGE_NAME, instantiateContext, ONETEMPLATE_FILE, parseOneTemplate, renderOneTemplate } from './onetemplate.ts';

const dir = new URL('../../packaging/marketplace/', import.meta.url);
const appliance = parse(readFileSync(new URL('slm-copilot.yaml', dir), 'utf8'), { version: '1.1' }) as MarketplaceAppliance;
const committed = readFileSync(fileURLToPath(new URL(ONETEMPLATE_FILE, dir)), 'utf8');

test('the committed onetemplate file is what the generator makes from the marketplace entry (no drift)', () => {
  assert.equal(committed, renderOneTemplate(buildOneTemplate(appliance)));
});

test('it has a NIC, the disk, host-passthrough, and the CONTEXT of the marketplace entry: SSH key, TOKEN, REPORT_READY, NETWORK, every input', () => {
  const t = parseOneTemplate(committed);
  assert.deepEqual(t.get('DISK'), { IMAGE: IMAGE_NAME });
  assert.ok(typeof t.get('NIC') === 'object' && (t.get('NIC') as Record<string, string>)['NETWORK']);
  assert.deepEqual(t.get('CPU_MODEL'), { MODEL: 'host-passthrough' });
  const context = t.get('CONTEXT') as Record<string, string>;
  assert.equal(context['SSH_PUBLIC_KEY'], '$USER[SSH_PUBLIC_KEY]');
  for (const flag of ['TOKEN', 'REPORT_READY', 'NETWORK']) assert.equal(context[flag], 'YES', flag);
  const fromEntry = (appliance['opennebula_template'] as { context: Record<string, string> }).context;
  assert.deepEqual(context, Object.fromEntries(Object.entries(fromEntry).map(([k, v]) => [k.toUpperCase(), v])));
  const inputs = t.get('USER_INPUTS') as Record<string, string>;
  for (const v of CONTEXT_VARIABLES) {
    assert.equal(context[v.name], `$${v.name}`);
    assert.equal(inputs[v.name], v.userInput);
  }
  assert.equal(t.get('INPUTS_ORDER'), CONTEXT_VARIABLES.map((v) => v.name).join(','));
});

test('USER_INPUTS_METADATA gives Sunstone one APP and a GROUP for every name segment the inputs use', () => {
  const metadata = parseOneTemplate(committed).get('USER_INPUTS_METADATA') as Record<string, string>[];
  assert.ok(Array.isArray(metadata), 'one vector per entry');
  assert.deepEqual(
    metadata.filter((m) => m['TYPE'] === 'APP').map((m) => m['NAME']),
    ['COPILOT'],
  );
  // Sunstone groups ONEAPP_<APP>_<GROUP>_<FIELD> by <GROUP>; every group in use needs a title.
  const used = new Set(CONTEXT_VARIABLES.map((v) => v.name.split('_')[2]));
  assert.deepEqual(new Set(metadata.filter((m) => m['TYPE'] === 'GROUP').map((m) => m['NAME'])), used);
  for (const m of metadata) assert.ok(m['TITLE'] && m['DESCRIPTION'], JSON.stringify(m));
});

test('render and parse round-trip, quotes and backslashes included; malformed text is an error', () => {
  const t = new Map<string, string | Record<string, string> | Record<string, string>[]>([
    ['NAME', 'a "quoted" \\ name'],
    ['V', { A: 'x', B: 'y,z' }],
    ['R', [{ A: '1' }, { A: '2' }]],
  ]);
  assert.deepEqual(parseOneTemplate(renderOneTemplate(t)), t);
  assert.throws(() => parseOneTemplate('NAME = \n'), /NAME has no value/);
  assert.throws(() => parseOneTemplate('V = [ A = "x" B ]'), /bad vector V/);
  assert.throws(() => renderOneTemplate(new Map([['X', 'two\nlines']])), /single-line/);
});

test('instantiating: inputs take the given value or the default, $USER[...] the user attribute; unknown inputs are refused', () => {
  const t = parseOneTemplate(committed);
  const ctx = instantiateContext(t, { inputs: { ONEAPP_COPILOT_API_KEY: 'sk-given' }, user: { SSH_PUBLIC_KEY: 'ssh-ed25519 K' } });
  assert.equal(ctx['ONEAPP_COPILOT_API_KEY'], 'sk-given');
  assert.equal(ctx['SSH_PUBLIC_KEY'], 'ssh-ed25519 K');
  assert.equal(ctx['ONEAPP_COPILOT_TLS_MODE'], 'self-signed');
  assert.equal(ctx['ONEAPP_COPILOT_ENGINE_TIMEOUT'], '300');
  assert.equal(ctx['TOKEN'], 'YES');
  assert.throws(() => instantiateContext(t, { inputs: { ONEAPP_COPILOT_NOPE: '1' }, user: {} }), /ONEAPP_COPILOT_NOPE is not a user input/);
});
