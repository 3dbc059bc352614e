import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { CONTEXT_VARIABLES } from '../appliance/context/context-variables.ts';
import type { ImageManifest } from './manifest.ts';
import { fillMarketplaceImages, type MarketplaceAppliance, OPENNEBULA_VERSIONS, validateMarketplaceAppliance } from './marketplace.ts';

const committedPath = new URL('../../packaging/marketplace/slm-copilot.yaml', import.meta.url);
const committed = readFileSync(committedPath, 'utf8');
// appmarket-simple and OpenNebula read YAML 1.1, where a bare YES is a boolean: parse the same way.
const load = (text: string) => parse(text, { version: '1.1' }) as MarketplaceAppliance;

const manifest: ImageManifest = {
  name: 'slm-copilot',
  version: '0.1.0-1-20261126',
  format: 'qcow2',
  size: 20 * 1024 ** 3,
  file_size: 15 * 1024 ** 3,
  sha256: '0'.repeat(64),
  md5: 'f'.repeat(32),
  creation_time: 1795680000,
  'os-id': 'Debian',
  'os-release': '12.12',
  'os-arch': 'x86_64',
  kind: 'release',
  slm_copilot: '0.1.0',
  node: 'v24.21.0',
  kernel: '6.1.0-56-cloud-amd64',
  model: { file: 'devstral.gguf', id: 'devstral', bytes: 1, sha256: '1'.repeat(64) },
  context_package: 'one-context_6.10.0-3.deb',
  packages: {},
  build_seconds: 1,
};

test('the committed YAML is what the generator makes from the variable table (no drift)', () => {
  assert.equal(fillMarketplaceImages(committed, undefined, undefined), committed);
});

test('the committed YAML lists every current OpenNebula release and carries logo, os arch and publisher_email', () => {
  const doc = load(committed);
  assert.equal(doc['opennebula_version'], OPENNEBULA_VERSIONS.join(', '));
  assert.ok(OPENNEBULA_VERSIONS.includes('7.4'));
  assert.equal(doc['logo'], 'slm-copilot.png');
  const template = doc['opennebula_template'] as Record<string, unknown>;
  assert.equal(template['logo'], 'images/logos/slm-copilot.png');
  assert.deepEqual(template['os'], { arch: 'x86_64' });
  assert.match(String(doc['publisher_email']), /@/);
});

test('the committed YAML passes the marketplace rules (images pending a release build)', () => {
  assert.deepEqual(validateMarketplaceAppliance(load(committed), { allowUnfilledImages: true }), []);
});

test('every context variable is a 5-field user input referenced from CONTEXT, in inputs_order', () => {
  const doc = load(committed);
  const template = doc['opennebula_template'] as {
    context: Record<string, string>;
    user_inputs: Record<string, string>;
    inputs_order: string;
  };
  for (const v of CONTEXT_VARIABLES) {
    const key = v.name.toLowerCase();
    assert.equal(template.user_inputs[key]?.split('|').length, 5, v.name);
    assert.equal(template.context[key], `$${v.name}`);
    assert.ok(template.inputs_order.split(',').includes(v.name));
  }
  assert.equal(template.context['token'], 'YES');
  assert.equal(template.context['report_ready'], 'YES');
});

test('filled from a manifest, the YAML passes appmarket-simple validation in full', () => {
  const filled = fillMarketplaceImages(committed, manifest, 'https://downloads.example.org/slm-copilot-0.1.0.qcow2');
  const doc = load(filled);
  assert.deepEqual(validateMarketplaceAppliance(doc), []);
  assert.deepEqual(doc.images[0], {
    name: 'slm-copilot',
    url: 'https://downloads.example.org/slm-copilot-0.1.0.qcow2',
    type: 'OS',
    dev_prefix: 'vd',
    driver: 'qcow2',
    size: 20 * 1024 ** 3,
    checksum: { md5: 'f'.repeat(32), sha256: '0'.repeat(64) },
  });
  assert.equal(doc['version'], '0.1.0-1-20261126');
  assert.equal(doc['creation_time'], 1795680000);
});

test('the validator catches what appmarket-simple and the CLI reject', () => {
  const base = load(fillMarketplaceImages(committed, manifest, 'https://d.example/x.qcow2'));
  // biome-ignore lint/suspicious/noExplicitAny: the mutations reach into arbitrary YAML paths on purpose
  const mutate = (f: (d: any) => void) => {
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const d = structuredClone(base) as any;
    f(d);
    return validateMarketplaceAppliance(d).join('\n');
  };
  assert.match(validateMarketplaceAppliance(load(committed)).join('\n'), /images\[0\] missing url/);
  assert.match(
    mutate((d) => delete d.id),
    /missing top-level 'id'/,
  );
  assert.match(
    mutate((d) => (d.images[0].size = '20G')),
    /images\[0\] missing\/invalid size \("20G"\)/,
  );
  assert.match(
    mutate((d) => delete d.images[0].checksum.md5),
    /md5/,
  );
  assert.match(
    mutate((d) => (d.opennebula_template.user_inputs.oneapp_copilot_engine_threads = 'O|text|CPU threads|0')),
    /4 is rejected/,
  );
  assert.match(
    mutate((d) => (d.opennebula_template.context.oneapp_copilot_engine_threads = '4')),
    /must reference the input/,
  );
  assert.match(
    mutate((d) => (d.opennebula_template.context.token = true)),
    /token must be 'YES'/,
  );
  assert.match(
    mutate((d) => delete d.opennebula_template.cpu_model),
    /host-passthrough/,
  );
  assert.match(
    mutate((d) => (d.opennebula_template.inputs_order = 'ONEAPP_COPILOT_API_KEY')),
    /inputs_order/,
  );
  assert.match(
    mutate((d) => (d.images[0].url = 'ftp://d.example/x.qcow2')),
    /url must be an http\(s\) URL/,
  );
  // Invisible on current OpenNebula: appmarket-simple offers it only to the versions listed.
  assert.match(
    mutate((d) => (d.opennebula_version = '6.10, 7.0')),
    /opennebula_version must list 7\.2, 7\.4/,
  );
  assert.match(
    mutate((d) => delete d.publisher_email),
    /publisher_email/,
  );
  assert.match(
    mutate((d) => delete d.logo),
    /logo must name a PNG/,
  );
  assert.match(
    mutate((d) => delete d.opennebula_template.logo),
    /opennebula_template\.logo must be images\/logos\/slm-copilot\.png/,
  );
  assert.match(
    mutate((d) => delete d.opennebula_template.os),
    /os\.arch must be the os-arch \(x86_64\)/,
  );
  // A bare YES in YAML 1.1 is a boolean, not the string OpenNebula expects.
  assert.match(
    validateMarketplaceAppliance(load(committed.replace('report_ready: "YES"', 'report_ready: YES')), { allowUnfilledImages: true }).join(
      '\n',
    ),
    /report_ready/,
  );
});
