import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { CONTEXT_VARIABLES } from '../context/context-variables.ts';
import { SERVICE_TEMPLATE_FILES, serviceTemplateBody, validateServiceTemplate } from './service-template.ts';

const root = join(import.meta.dirname, '../../..');

it('the committed marketplace YAML and oneflow JSON are generated from the one source', () => {
  for (const [file, render] of Object.entries(SERVICE_TEMPLATE_FILES)) assert.equal(readFileSync(join(root, file), 'utf8'), render(), file);
  const yaml = parse(readFileSync(join(root, 'packaging/marketplace/slm-copilot-service.yaml'), 'utf8'), { version: '1.1' });
  const json = JSON.parse(readFileSync(join(root, 'packaging/oneflow/slm-copilot-service.json'), 'utf8'));
  assert.equal(yaml.type, 'SERVICE_TEMPLATE');
  assert.deepEqual(JSON.parse(yaml.opennebula_template), json, 'both carry the same body');
  assert.deepEqual(Object.keys(yaml.roles), ['edge', 'engine']);
});

it('passes OneFlow schema rules: edge(1) and engine(parent edge, 2 in 1..8), gate, cooldown, networks, mandatory key', () => {
  const body = serviceTemplateBody();
  assert.deepEqual(validateServiceTemplate(body), []);
  const engine = body.roles.find((r) => r.name === 'engine');
  assert.deepEqual([engine?.parents, engine?.cardinality, engine?.min_vms, engine?.max_vms], [['edge'], 2, 1, 8]);
  assert.ok((engine?.cooldown ?? 0) >= 600, 'cooldown longer than a model load');
  assert.equal(body.ready_status_gate, true);
  assert.match(body.custom_attrs['ONEAPP_COPILOT_API_KEY'] ?? '', /^M\|password\|/);
  assert.match(body.custom_attrs['ONEAPP_COPILOT_SERVICE_CREDENTIAL'] ?? '', /^O\|password\|/);
  assert.deepEqual(Object.keys(body.networks), ['Public', 'Private']);
  // Each role sets only variables the appliance knows, and its role is a valid one.
  const known = new Set<string>(CONTEXT_VARIABLES.map((v) => v.name));
  for (const role of body.roles) {
    for (const [, name] of (role.vm_template_contents ?? '').matchAll(/^(ONEAPP_\w+) =/gm)) assert.ok(known.has(name ?? ''), name);
    assert.match(role.vm_template_contents ?? '', new RegExp(`^ONEAPP_COPILOT_SERVICE_ROLE = "${role.name}"$`, 'm'));
    // Every service input reaches every role, so edge and engines derive the same credential.
    for (const attr of Object.keys(body.custom_attrs))
      assert.match(role.vm_template_contents ?? '', new RegExp(`^${attr} = "\\$${attr}"$`, 'm'));
  }
  for (const p of engine?.elasticity_policies ?? []) assert.match(p.expression, /ONEAPP_COPILOT_ENGINE_QUEUE/);
});

it('rejects what OneFlow rejects, naming the field', () => {
  const bad = (mutate: (b: ReturnType<typeof serviceTemplateBody>) => void) => {
    const b = serviceTemplateBody();
    mutate(b);
    return validateServiceTemplate(b).join('\n');
  };
  assert.match(
    bad((b) => ((b.roles[1] as { cardinality: number }).cardinality = 9)),
    /engine\)\.cardinality: above max_vms/,
  );
  assert.match(
    bad((b) => (b.roles[1]!.parents = ['balancer'])),
    /parents: "balancer" is not another role/,
  );
  assert.match(
    bad((b) => (b.roles[0]!.parents = ['engine'])),
    /a cycle/,
  );
  assert.match(
    bad((b) => (b.roles[1]!.name = 'engine-vm')),
    /name: required, letters, digits and _/,
  );
  assert.match(
    bad((b) => (b.roles[1]!.name = 'edge')),
    /duplicated/,
  );
  assert.match(
    bad((b) => (b.networks['Private'] = 'M|text|x')),
    /networks\.Private: type must be network/,
  );
  assert.match(
    bad((b) => (b.custom_attrs['X'] = 'M|text|four|fields')),
    /custom_attrs\.X/,
  );
  assert.match(
    bad((b) => ((b.roles[1]!.elasticity_policies![0] as { type: string }).type = 'MORE')),
    /elasticity_policies\[0\]\.type/,
  );
  assert.match(
    bad((b) => delete (b.roles[1] as { max_vms?: number }).max_vms),
    /needs min_vms and max_vms/,
  );
  assert.match(
    bad((b) => ((b as unknown as Record<string, unknown>)['roles'] = [])),
    /roles: required/,
  );
});
