import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { parse } from 'yaml';
import { API_KEY_PATTERN } from '../appliance/api-key.ts';
import { CONTEXT_VARIABLES } from '../appliance/context/context-variables.ts';
import { app2Validate } from './app2-validate.ts';
import { COMMUNITY_APP_NAME, COMMUNITY_TEST_FILE, renderCommunityBundle } from './community-bundle.ts';
import { LOGO_FILE, LOGO_SIZE, renderLogoPng, renderLogoRgba } from './logo.ts';
import { APPLIANCE_ID, fillMarketplaceImages, type MarketplaceAppliance } from './marketplace.ts';

const marketplaceDir = fileURLToPath(new URL('../../packaging/marketplace/', import.meta.url));
const bundleDir = join(marketplaceDir, 'community', COMMUNITY_APP_NAME);
const load = (text: string) => parse(text, { version: '1.1' }) as MarketplaceAppliance;
const committed = load(readFileSync(join(marketplaceDir, 'slm-copilot.yaml'), 'utf8'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test('the committed bundle is exactly what the generator makes from the marketplace entry (no drift, no extra files)', () => {
  const bundle = renderCommunityBundle(committed);
  assert.deepEqual(filesUnder(bundleDir), [...bundle.keys()].sort());
  for (const [path, content] of bundle) assert.equal(readFileSync(join(bundleDir, path), 'utf8'), content, path);
  assert.ok(bundle.has(`${APPLIANCE_ID}.yaml`));
  assert.equal(load(bundle.get(`${APPLIANCE_ID}.yaml`)!)['id'], APPLIANCE_ID, 'the file is named after the id inside');
});

test('the bundle entry passes app2 validate once the images are filled', () => {
  const manifest = {
    name: 'slm-copilot',
    version: '0.1.0-1-20261126',
    size: 3 * 1024 ** 3,
    sha256: 'c'.repeat(64),
    md5: 'd'.repeat(32),
    creation_time: 1795680000,
  };
  const filled = load(
    fillMarketplaceImages(readFileSync(join(marketplaceDir, 'slm-copilot.yaml'), 'utf8'), manifest, 'https://d.example/slm-copilot.qcow2'),
  );
  const bundle = renderCommunityBundle(filled);
  const yamls = [...bundle].filter(([p]) => p.endsWith('.yaml')).map(([path, text]) => ({ path, text }));
  assert.deepEqual(app2Validate(yamls), []);
  // Unfilled, it is refused: app2 would not publish an entry without its image.
  const pending = [...renderCommunityBundle(committed)]
    .filter(([p]) => p === `${APPLIANCE_ID}.yaml`)
    .map(([path, text]) => ({ path, text }));
  assert.match(
    app2Validate(pending)
      .map((i) => i.message)
      .join('\n'),
    /images\[0\] missing url/,
  );
});

test('metadata.yaml: their schema, params that are our variables (unprefixed), a key the appliance accepts, OneGate on', () => {
  // biome-ignore lint/suspicious/noExplicitAny: walks a nested YAML document whose shape the assertions check
  const meta = parse(readFileSync(join(bundleDir, 'metadata.yaml'), 'utf8')) as Record<string, Record<string, any>>;
  const app = meta[':app']!;
  assert.equal(app[':name'], COMMUNITY_APP_NAME);
  assert.doesNotMatch(COMMUNITY_APP_NAME, /_/);
  assert.equal(app[':type'], 'service');
  assert.deepEqual(app[':os'], { ':type': 'linux', ':base': 'debian12' });
  assert.equal(app[':context'][':prefixed'], true);
  const names = new Set<string>(CONTEXT_VARIABLES.map((v) => v.name));
  const params = app[':context'][':params'] as Record<string, string>;
  for (const key of Object.keys(params)) assert.ok(names.has(`ONEAPP_${key.replace(/^:/, '')}`), key);
  const apiKey = Object.entries(params).find(([k]) => k.endsWith('_API_KEY'))?.[1];
  assert.match(apiKey ?? '', API_KEY_PATTERN);
  const context = meta[':one']![':template'].TEMPLATE.CONTEXT as Record<string, string>;
  assert.deepEqual([context['TOKEN'], context['REPORT_READY'], context['NETWORK']], ['YES', 'YES', 'YES']);
  assert.equal(meta[':one']![':template'].TEMPLATE.CPU_MODEL.MODEL, 'host-passthrough');
  assert.equal(meta[':infra']![':disk_format'], 'qcow2');
});

test('tests.yaml lists the spec; the spec uses their vm_handler, reads the key from APP_CONTEXT_PARAMS, and parses as Ruby', () => {
  assert.deepEqual(parse(readFileSync(join(bundleDir, 'tests.yaml'), 'utf8')), [COMMUNITY_TEST_FILE]);
  const spec = readFileSync(join(bundleDir, 'tests', COMMUNITY_TEST_FILE), 'utf8');
  assert.match(spec, /include_context\('vm_handler'\)/);
  assert.match(spec, /All set and ready to serve/);
  assert.match(spec, /APP_CONTEXT_PARAMS\[:COPILOT_API_KEY\]/);
  assert.match(execFileSync('ruby', ['-c', join(bundleDir, 'tests', COMMUNITY_TEST_FILE)], { encoding: 'utf8' }), /Syntax OK/);
});

test('yamllint with the marketplace repositories’ config passes on every YAML we publish', () => {
  const run = spawnSync('yamllint', ['-f', 'parsable', '-c', join(marketplaceDir, '.yamllint.yml'), marketplaceDir], { encoding: 'utf8' });
  assert.equal(run.error, undefined, 'yamllint is installed by tools/setup.sh');
  assert.equal(run.status, 0, run.stdout + run.stderr);
  // And it can fail: trailing spaces are an error under their config.
  const bad = spawnSync('yamllint', ['-f', 'parsable', '-c', join(marketplaceDir, '.yamllint.yml'), '-'], {
    input: '---\na: 1 \n',
    encoding: 'utf8',
  });
  assert.notEqual(bad.status, 0);
});

test('the logo: our own 256×256 RGBA PNG, committed as the generator draws it, named by both logo keys', () => {
  const png = readFileSync(join(marketplaceDir, 'logos', LOGO_FILE));
  assert.ok(png.equals(renderLogoPng()));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), LOGO_SIZE);
  assert.equal(png.readUInt32BE(20), LOGO_SIZE);
  // Decode the one IDAT back: filter byte 0 per row, then the pixels we drew.
  const idatLength = png.readUInt32BE(33);
  assert.equal(png.subarray(37, 41).toString('latin1'), 'IDAT');
  const rows = inflateSync(png.subarray(41, 41 + idatLength));
  const rgba = renderLogoRgba();
  for (let y = 0; y < LOGO_SIZE; y++) {
    assert.equal(rows[y * (LOGO_SIZE * 4 + 1)], 0);
    assert.ok(
      rows
        .subarray(y * (LOGO_SIZE * 4 + 1) + 1, (y + 1) * (LOGO_SIZE * 4 + 1))
        .equals(rgba.subarray(y * LOGO_SIZE * 4, (y + 1) * LOGO_SIZE * 4)),
    );
  }
  assert.equal(committed['logo'], LOGO_FILE);
  assert.equal((committed['opennebula_template'] as Record<string, unknown>)['logo'], `images/logos/${LOGO_FILE}`);
});
