/**
 * The OneFlow service (OpenNebula 6.10 service template schema): one `edge` VM and 2 (1..8) `engine` VMs
 * of the same appliance image, told apart by ONEAPP_COPILOT_SERVICE_ROLE. One source, two renderings: the body
 * `oneflow-template create` takes (JSON), and the marketplace SERVICE_TEMPLATE entry (YAML) that wraps
 * the same body. validateServiceTemplate ports OneFlow's schema and role checks, so a broken template
 * fails here rather than on the frontend.
 */
import { stringify } from 'yaml';

export const SERVICE_NAME = 'SLM-Copilot service';
export const SERVICE_ID = '8d2f0c51-3b7e-4a49-a6f1-5c0e9b2d7e34';
/** The marketplace appliance (VM template) both roles instantiate. */
export const APPLIANCE_NAME = 'SLM-Copilot';
/** Longer than a model load (a 24B GGUF from disk plus warm-up takes minutes on CPU). */
export const ENGINE_COOLDOWN_SECONDS = 900;

export interface ElasticityPolicy {
  type: 'CHANGE' | 'CARDINALITY' | 'PERCENTAGE_CHANGE';
  adjust: number;
  min_adjust_step?: number;
  expression: string;
  period_number?: number;
  period?: number;
  cooldown?: number;
}

export interface ServiceRole {
  name: string;
  cardinality: number;
  vm_template: number;
  vm_template_contents?: string;
  parents?: string[];
  min_vms?: number;
  max_vms?: number;
  cooldown?: number;
  shutdown_action?: string;
  elasticity_policies?: ElasticityPolicy[];
  scheduled_policies?: unknown[];
}

export interface ServiceTemplateBody {
  name: string;
  deployment: 'straight' | 'none';
  description: string;
  ready_status_gate: boolean;
  shutdown_action?: string;
  custom_attrs: Record<string, string>;
  networks: Record<string, string>;
  roles: ServiceRole[];
}

const nics = 'NIC = [ NAME = "NIC0", NETWORK_ID = "$Public" ]\nNIC = [ NAME = "NIC1", NETWORK_ID = "$Private" ]';
const engineNic = 'NIC = [ NAME = "NIC0", NETWORK_ID = "$Private" ]';
// Attributes of the role's VM template; the appliance template's CONTEXT picks them up as $ONEAPP_COPILOT_*.
const roleAttrs = (role: string) =>
  [
    `ONEAPP_COPILOT_SERVICE_ROLE = "${role}"`,
    'ONEAPP_COPILOT_API_KEY = "$ONEAPP_COPILOT_API_KEY"',
    // Edge and engines derive the same internal credential from these (never published through OneGate).
    'ONEAPP_COPILOT_SERVICE_CREDENTIAL = "$ONEAPP_COPILOT_SERVICE_CREDENTIAL"',
  ].join('\n');

/** The one source. vm_template 0 is the marketplace's placeholder, replaced by the imported appliance's id. */
export function serviceTemplateBody(vmTemplateId = 0): ServiceTemplateBody {
  return {
    name: SERVICE_NAME,
    deployment: 'straight',
    description:
      'SLM-Copilot scaled out: one edge VM (TLS, API key, limits, cache-aware balancing) in front of N engine VMs found through OneGate.',
    ready_status_gate: true,
    custom_attrs: {
      ONEAPP_COPILOT_API_KEY: 'M|password|API key clients send (16-256 characters from A-Z a-z 0-9 . _ -)',
      ONEAPP_COPILOT_SERVICE_CREDENTIAL: 'O|password|Internal edge-to-engine credential (empty = derived from the API key)| |',
    },
    networks: {
      Public: 'M|network|Network the clients reach the edge on| |',
      Private: 'M|network|Private network between the edge and the engines| |',
    },
    roles: [
      {
        name: 'edge',
        cardinality: 1,
        min_vms: 1,
        max_vms: 1,
        vm_template: vmTemplateId,
        vm_template_contents: `${nics}\n${roleAttrs('edge')}`,
      },
      {
        name: 'engine',
        parents: ['edge'],
        cardinality: 2,
        min_vms: 1,
        max_vms: 8,
        cooldown: ENGINE_COOLDOWN_SECONDS,
        vm_template: vmTemplateId,
        vm_template_contents: `${engineNic}\n${roleAttrs('engine')}`,
        // Engines publish ONEAPP_COPILOT_ENGINE_QUEUE through OneGate; OneFlow averages it over the role.
        elasticity_policies: [
          {
            type: 'CHANGE',
            adjust: 1,
            expression: 'ONEAPP_COPILOT_ENGINE_QUEUE > 2',
            period_number: 3,
            period: 60,
            cooldown: ENGINE_COOLDOWN_SECONDS,
          },
          {
            type: 'CHANGE',
            adjust: -1,
            expression: 'ONEAPP_COPILOT_ENGINE_QUEUE < 0.2',
            period_number: 15,
            period: 60,
            cooldown: ENGINE_COOLDOWN_SECONDS,
          },
        ],
      },
    ],
  };
}

/** What `oneflow-template create FILE` takes (vm_template = the imported appliance's template id). */
export function renderOneFlowTemplateJson(vmTemplateId = 0): string {
  return `${JSON.stringify(serviceTemplateBody(vmTemplateId), null, 2)}\n`;
}

/**
 * The marketplace SERVICE_TEMPLATE entry: `roles` maps each role to the appliance it instantiates (the
 * marketplace imports it and fills vm_template), `opennebula_template` carries the same body as JSON.
 */
export function renderMarketplaceServiceYaml(): string {
  const body = serviceTemplateBody();
  const doc = {
    id: SERVICE_ID,
    name: SERVICE_NAME,
    type: 'SERVICE_TEMPLATE',
    version: '0.1.0-1',
    publisher: 'SLM-Copilot project',
    description: body.description,
    short_description: 'SLM-Copilot with N engine VMs behind one edge (OneFlow).',
    tags: ['ai', 'llm', 'coding-assistant', 'oneflow'],
    creation_time: 0,
    opennebula_version: '6.10, 7.0',
    roles: Object.fromEntries(body.roles.map((r) => [r.name, APPLIANCE_NAME])),
    opennebula_template: JSON.stringify(body, null, 2),
  };
  return `# OpenNebula marketplace service: SLM-Copilot scale-out. Generated from src/appliance/scale-out/service-template.ts\n# (node src/appliance/scale-out/service-template.ts). Do not edit by hand.\n---\n${stringify(doc, { lineWidth: 0 })}`;
}

// OneFlow's schema (lib/models/service_template.rb, 6.10) and its extra checks, ported.
const ROLE_KEYS = new Set([
  'name',
  'cardinality',
  'vm_template',
  'vm_template_contents',
  'parents',
  'shutdown_action',
  'min_vms',
  'max_vms',
  'cooldown',
  'on_hold',
  'elasticity_policies',
  'scheduled_policies',
]);
const BODY_KEYS = new Set([
  'name',
  'deployment',
  'description',
  'shutdown_action',
  'roles',
  'custom_attrs',
  'custom_attrs_values',
  'networks',
  'networks_values',
  'ready_status_gate',
  'automatic_deletion',
  'on_hold',
  'registration_time',
]);
const SHUTDOWN_ACTIONS = ['terminate', 'terminate-hard', 'shutdown', 'shutdown-hard'];
const POLICY_TYPES = ['CHANGE', 'CARDINALITY', 'PERCENTAGE_CHANGE'];
const isInt = (v: unknown, min = 0) => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Every problem, each naming its field; [] = OneFlow would accept it. */
export function validateServiceTemplate(doc: unknown): string[] {
  const problems: string[] = [];
  if (typeof doc !== 'object' || doc === null) return ['the template must be an object'];
  const t = doc as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!BODY_KEYS.has(k)) problems.push(`${k}: not a service template attribute`);
  if (typeof t['name'] !== 'string' || t['name'] === '') problems.push('name: required string');
  if (t['deployment'] !== undefined && !['straight', 'none'].includes(t['deployment'] as string))
    problems.push('deployment: must be straight or none');
  if (t['shutdown_action'] !== undefined && !SHUTDOWN_ACTIONS.includes(t['shutdown_action'] as string))
    problems.push(`shutdown_action: one of ${SHUTDOWN_ACTIONS.join(', ')}`);
  if (t['ready_status_gate'] !== undefined && typeof t['ready_status_gate'] !== 'boolean') problems.push('ready_status_gate: boolean');
  for (const key of ['custom_attrs', 'networks'] as const) {
    const attrs = t[key];
    if (attrs === undefined) continue;
    if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) {
      problems.push(`${key}: object`);
      continue;
    }
    for (const [name, spec] of Object.entries(attrs)) {
      const parts = typeof spec === 'string' ? spec.split('|') : [];
      // Same rule as USER_INPUTS: M|O, a type, a description, then nothing or exactly params + default.
      if (parts.length < 3 || (parts.length > 3 && parts.length !== 5) || !['M', 'O'].includes(parts[0] ?? ''))
        problems.push(`${key}.${name}: "M|type|description" or "M|type|description|params|default"`);
      else if (key === 'networks' && parts[1] !== 'network') problems.push(`${key}.${name}: type must be network`);
    }
  }
  const roles = t['roles'];
  if (!Array.isArray(roles) || roles.length === 0) return [...problems, 'roles: required, at least one role'];
  const names = roles.map((r) => (r as Record<string, unknown>)['name']);
  roles.forEach((raw, i) => {
    const r = raw as Record<string, unknown>;
    const at = `roles[${i}]${typeof r['name'] === 'string' ? ` (${r['name']})` : ''}`;
    for (const k of Object.keys(r)) if (!ROLE_KEYS.has(k)) problems.push(`${at}.${k}: not a role attribute`);
    if (typeof r['name'] !== 'string' || !/^\w+$/.test(r['name'])) problems.push(`${at}.name: required, letters, digits and _`);
    if (names.indexOf(r['name']) !== i) problems.push(`${at}.name: duplicated`);
    if (!isInt(r['vm_template'])) problems.push(`${at}.vm_template: required integer ≥ 0`);
    const card = r['cardinality'] ?? 1;
    if (!isInt(card)) problems.push(`${at}.cardinality: integer ≥ 0`);
    for (const k of ['min_vms', 'max_vms', 'cooldown'] as const)
      if (r[k] !== undefined && !isInt(r[k])) problems.push(`${at}.${k}: integer ≥ 0`);
    const min = r['min_vms'] as number | undefined;
    const max = r['max_vms'] as number | undefined;
    if (min !== undefined && isInt(card) && (card as number) < min) problems.push(`${at}.cardinality: below min_vms`);
    if (max !== undefined && isInt(card) && (card as number) > max) problems.push(`${at}.cardinality: above max_vms`);
    if (min !== undefined && max !== undefined && min > max) problems.push(`${at}.min_vms: above max_vms`);
    const policies = r['elasticity_policies'];
    if (policies !== undefined && (!Array.isArray(policies) || (policies.length > 0 && (min === undefined || max === undefined))))
      problems.push(`${at}.elasticity_policies: an array, and the role needs min_vms and max_vms`);
    if (Array.isArray(policies))
      policies.forEach((p: Record<string, unknown>, j) => {
        if (!POLICY_TYPES.includes(p['type'] as string))
          problems.push(`${at}.elasticity_policies[${j}].type: one of ${POLICY_TYPES.join(', ')}`);
        if (typeof p['adjust'] !== 'number' || !Number.isInteger(p['adjust']))
          problems.push(`${at}.elasticity_policies[${j}].adjust: required integer`);
        if (typeof p['expression'] !== 'string' || p['expression'] === '')
          problems.push(`${at}.elasticity_policies[${j}].expression: required`);
        for (const k of ['period_number', 'period', 'cooldown', 'min_adjust_step'])
          if (p[k] !== undefined && !isInt(p[k])) problems.push(`${at}.elasticity_policies[${j}].${k}: integer ≥ 0`);
      });
    const parents = r['parents'];
    if (parents !== undefined) {
      if (!Array.isArray(parents)) problems.push(`${at}.parents: array of role names`);
      else
        for (const p of parents)
          if (!names.includes(p) || p === r['name']) problems.push(`${at}.parents: "${String(p)}" is not another role`);
    }
  });
  // Parents must form no cycle (OneFlow deploys parents first).
  const graph = new Map(
    roles.map((r) => [(r as Record<string, unknown>)['name'], ((r as Record<string, unknown>)['parents'] as unknown[]) ?? []]),
  );
  const visiting = new Set<unknown>();
  const done = new Set<unknown>();
  const cyclic = (n: unknown): boolean => {
    if (done.has(n)) return false;
    if (visiting.has(n)) return true;
    visiting.add(n);
    const hit = (graph.get(n) ?? []).some(cyclic);
    visiting.delete(n);
    done.add(n);
    return hit;
  };
  if ([...graph.keys()].some(cyclic)) problems.push('roles.parents: a cycle');
  return problems;
}

/** Regenerates the committed files: `node src/appliance/scale-out/service-template.ts`. */
export const SERVICE_TEMPLATE_FILES = {
  'packaging/marketplace/slm-copilot-service.yaml': renderMarketplaceServiceYaml,
  'packaging/oneflow/slm-copilot-service.json': () => renderOneFlowTemplateJson(),
} as const;

if (import.meta.main) {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const root = join(import.meta.dirname, '../../..');
  for (const [file, render] of Object.entries(SERVICE_TEMPLATE_FILES)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), render());
  }
}
