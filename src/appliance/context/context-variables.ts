/**
 * The one table of ONEAPP_COPILOT_* context variables: name, default, allowed values and the marketplace
 * USER_INPUTS spec. `help`, docs/appliance.md and the marketplace YAML are all generated from it, so the
 * three never drift apart. Parsing lives in context-schema.ts.
 */
import { TLS_MODES } from '../tls/tls-mode.ts';
import { APPLIANCE_ROLES } from './appliance-role.ts';

/** Sunstone groups inputs by the segment after `ONEAPP_COPILOT_`: one group per concern. */
export const CONTEXT_GROUPS = [
  { name: 'API', title: 'API access', description: 'The key clients send as "Authorization: Bearer <key>".' },
  {
    name: 'TLS',
    title: 'TLS and hostname',
    description: "The name in the endpoint URL and the certificate the edge serves: made on the VM, Let's Encrypt, or your own.",
  },
  { name: 'ENGINE', title: 'Inference engine', description: 'Which model to serve, its context window, CPU threads and request timeout.' },
  { name: 'LIMIT', title: 'Limits per client', description: 'Rate, burst and concurrent connections allowed per client IP at the edge.' },
  {
    name: 'SERVICE',
    title: 'Scale-out service',
    description: 'The role of this VM in a OneFlow service (one edge in front of N engines) and the credential between them.',
  },
] as const;

export type ContextGroupName = (typeof CONTEXT_GROUPS)[number]['name'];

export interface ContextVariable {
  /** `ONEAPP_COPILOT_<GROUP>_<FIELD>`: Sunstone groups inputs by the <GROUP> segment. */
  name: string;
  group: ContextGroupName;
  /** Earlier names of this variable: still read, with a notice naming `name` (see context-aliases.ts). */
  aliases: readonly string[];
  /** The default as an operator reads it (computed defaults are described, not evaluated). */
  defaultText: string;
  /** Allowed values, phrased for error messages and docs. */
  allowed: string;
  description: string;
  /**
   * OpenNebula USER_INPUTS spec, always 5 `|`-separated fields (4 are rejected by the CLI parser):
   * `O|type|Description|params|default`.
   */
  userInput: string;
}

export const CONTEXT_VARIABLES = [
  {
    name: 'ONEAPP_COPILOT_API_KEY',
    group: 'API',
    aliases: [],
    defaultText: '(generated once: sk- + 48 letters/digits, kept across reboots)',
    allowed: '16-256 characters from A-Z a-z 0-9 . _ -',
    description: 'API key clients send as "Authorization: Bearer <key>". Empty: generate one and keep it; a new value rotates it.',
    userInput: 'O|password|API key (empty = generate one)||',
  },
  {
    name: 'ONEAPP_COPILOT_TLS_HOSTNAME',
    group: 'TLS',
    aliases: ['ONEAPP_COPILOT_HOSTNAME'],
    defaultText: '(the VM IP, ETH0_IP)',
    allowed: 'a DNS name (letters, digits, "-", dots) or an IP address',
    description: "Name used in the endpoint URL, the TLS certificate and for Let's Encrypt.",
    userInput: 'O|text|Hostname (FQDN) of the endpoint; empty = the VM IP||',
  },
  {
    name: 'ONEAPP_COPILOT_TLS_MODE',
    group: 'TLS',
    aliases: [],
    defaultText: 'self-signed',
    allowed: TLS_MODES.join(', '),
    description:
      'self-signed: certificate made on the VM (clients must trust it). letsencrypt: certbot via port 80; falls back to self-signed on failure. custom: your certificate from ONEAPP_COPILOT_TLS_CERT/_TLS_KEY (the default when they are set).',
    userInput: `O|list|TLS certificate|${TLS_MODES.join(',')}|self-signed`,
  },
  {
    name: 'ONEAPP_COPILOT_TLS_EMAIL',
    group: 'TLS',
    aliases: ['ONEAPP_COPILOT_LE_EMAIL'],
    defaultText: '(none)',
    allowed: 'an e-mail address',
    description: "Contact e-mail for the Let's Encrypt account (expiry notices).",
    userInput: "O|text|E-mail for Let's Encrypt (optional)||",
  },
  {
    name: 'ONEAPP_COPILOT_TLS_CERT',
    group: 'TLS',
    aliases: [],
    defaultText: '(none)',
    allowed: 'base64 of a PEM file (or the PEM text): the server certificate first, then intermediates, and the root of a private CA',
    description:
      'Your own certificate (TLS mode custom, implied when set; needs ONEAPP_COPILOT_TLS_KEY). Checked with openssl before use: the key matches, it is not expired, its names cover the hostname, the chain is complete. A bad value is refused and the current certificate keeps serving.',
    userInput: 'O|text64|Own TLS certificate chain (PEM, server certificate first)||',
  },
  {
    name: 'ONEAPP_COPILOT_TLS_KEY',
    group: 'TLS',
    aliases: [],
    defaultText: '(none)',
    allowed: 'base64 of a PEM private key (or the PEM text), unencrypted',
    description: 'Private key of ONEAPP_COPILOT_TLS_CERT. Stored 0600, never shown in the report.',
    userInput: 'O|text64|Private key of the own certificate (PEM, unencrypted)||',
  },
  {
    name: 'ONEAPP_COPILOT_ENGINE_MODEL',
    group: 'ENGINE',
    aliases: ['ONEAPP_COPILOT_MODEL'],
    defaultText: '(the only, or alphabetically first, *.yaml in /models)',
    allowed: 'a file name in /models (letters, digits, . _ -), with or without .yaml',
    description: 'Which model definition (YAML) in /models to serve.',
    userInput: 'O|text|Model definition in /models (empty = default)||',
  },
  {
    name: 'ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE',
    group: 'ENGINE',
    aliases: ['ONEAPP_COPILOT_CONTEXT_SIZE'],
    defaultText: 'auto (from RAM: 16384-65536 tokens when memory allows)',
    allowed: 'auto, or an integer from 2048 to 262144',
    description: "Context window in tokens. Cline's first prompt alone is about 7k tokens; below 16384 agents run out of room.",
    userInput: 'O|text|Context size in tokens, or auto||auto',
  },
  {
    name: 'ONEAPP_COPILOT_ENGINE_THREADS',
    group: 'ENGINE',
    aliases: ['ONEAPP_COPILOT_THREADS'],
    defaultText: 'auto (usable vCPUs - 1, at least 1)',
    allowed: 'auto, or an integer from 1 to 512',
    description: 'CPU threads for inference.',
    userInput: 'O|text|Inference threads, or auto||auto',
  },
  {
    name: 'ONEAPP_COPILOT_ENGINE_TIMEOUT',
    group: 'ENGINE',
    aliases: ['ONEAPP_COPILOT_TIMEOUT'],
    defaultText: '300',
    allowed: 'an integer number of seconds from 1 to 86400',
    description:
      'Upper bound in seconds for one request, end to end: the engine stops it with an OpenAI-style timeout error (nginx answers a JSON 504 a few seconds later if the engine hangs).',
    userInput: 'O|number|Request timeout in seconds| |300',
  },
  {
    name: 'ONEAPP_COPILOT_LIMIT_RATE',
    group: 'LIMIT',
    aliases: ['ONEAPP_COPILOT_RATE_LIMIT'],
    defaultText: '10',
    allowed: 'an integer from 1 to 100000 (requests per second per client IP)',
    description: 'Sustained request rate allowed per client IP; above it the edge answers 429 with Retry-After.',
    userInput: 'O|number|Requests per second per client IP| |10',
  },
  {
    name: 'ONEAPP_COPILOT_LIMIT_BURST',
    group: 'LIMIT',
    aliases: ['ONEAPP_COPILOT_RATE_BURST'],
    defaultText: '20',
    allowed: 'an integer from 0 to 100000',
    description: 'Extra requests per client IP accepted at once above the rate before 429.',
    userInput: 'O|number|Burst of requests per client IP| |20',
  },
  {
    name: 'ONEAPP_COPILOT_LIMIT_CONNECTIONS',
    group: 'LIMIT',
    aliases: ['ONEAPP_COPILOT_MAX_CONNECTIONS'],
    defaultText: '16',
    allowed: 'an integer from 1 to 100000',
    description: 'Concurrent connections per client IP; above it the edge answers 429.',
    userInput: 'O|number|Concurrent connections per client IP| |16',
  },
  {
    name: 'ONEAPP_COPILOT_SERVICE_ROLE',
    group: 'SERVICE',
    aliases: ['ONEAPP_COPILOT_ROLE'],
    defaultText: 'standalone',
    allowed: APPLIANCE_ROLES.join(', '),
    description:
      "standalone: edge and engine on this VM. edge: TLS, API key, limits, report and the balancer over the service's engines (found through OneGate), no model. engine: the model only, on the private network, reachable only with the internal credential the edge presents.",
    userInput: `O|list|Role of this VM (OneFlow service: edge or engine)|${APPLIANCE_ROLES.join(',')}|standalone`,
  },
  {
    name: 'ONEAPP_COPILOT_SERVICE_CREDENTIAL',
    group: 'SERVICE',
    aliases: [],
    defaultText: '(derived from ONEAPP_COPILOT_API_KEY)',
    allowed: '16-256 characters from A-Z a-z 0-9 . _ -',
    description:
      'Scale-out only: the internal credential the edge presents to the engines; set the same value on every VM of the service. Empty: derived from ONEAPP_COPILOT_API_KEY (HMAC-SHA256), so the public key itself never opens an engine. Never published through OneGate.',
    userInput: 'O|password|Internal edge-to-engine credential (empty = derived from the API key)||',
  },
] as const satisfies readonly ContextVariable[];

export type ContextVariableName = (typeof CONTEXT_VARIABLES)[number]['name'];

/** Plain-text table for `slm-copilot help` / `configure --help`. */
export function formatVariablesHelp(): string {
  const lines = ['Context variables (OpenNebula CONTEXT, exported by one-context or read from /run/one-context/one_env):', ''];
  for (const v of CONTEXT_VARIABLES) {
    lines.push(`  ${v.name}`, `      ${v.description}`, `      allowed: ${v.allowed}`, `      default: ${v.defaultText}`);
    if (v.aliases.length > 0) lines.push(`      formerly: ${v.aliases.join(', ')} (still read)`);
  }
  return `${lines.join('\n')}\n`;
}

/** Markdown table for docs/appliance.md. */
export function formatVariablesMarkdown(): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const lines = ['| Variable | Default | Allowed | Meaning | Former name |', '|---|---|---|---|---|'];
  for (const v of CONTEXT_VARIABLES) {
    const former = v.aliases.map((a) => `\`${a}\``).join(', ');
    lines.push(`| \`${v.name}\` | ${esc(v.defaultText)} | ${esc(v.allowed)} | ${esc(v.description)} | ${former} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Sunstone/FireEdge `USER_INPUTS_METADATA` for the marketplace template: the APP (COPILOT) and one GROUP
 * per <GROUP> segment, so the inputs land in titled groups instead of "Others".
 */
export interface UserInputsMetadataEntry {
  TYPE: 'APP' | 'GROUP';
  NAME: string;
  TITLE: string;
  DESCRIPTION: string;
}

export function userInputsMetadata(): UserInputsMetadataEntry[] {
  return [
    { TYPE: 'APP', NAME: 'COPILOT', TITLE: 'SLM-Copilot', DESCRIPTION: 'Self-hosted OpenAI-compatible coding assistant endpoint.' },
    ...CONTEXT_GROUPS.map((g) => ({ TYPE: 'GROUP' as const, NAME: g.name, TITLE: g.title, DESCRIPTION: g.description })),
  ];
}

/** Names other SLM-Copilot images used (with other meanings), mapped to ours, for a helpful warning. */
const OTHER_IMAGES_NAMES: Record<string, ContextVariableName> = {
  ONEAPP_COPILOT_CPU_THREADS: 'ONEAPP_COPILOT_ENGINE_THREADS',
  ONEAPP_COPILOT_AI_MODEL: 'ONEAPP_COPILOT_ENGINE_MODEL',
  ONEAPP_COPILOT_API_PASSWORD: 'ONEAPP_COPILOT_API_KEY',
  ONEAPP_COPILOT_PASSWORD: 'ONEAPP_COPILOT_API_KEY',
  ONEAPP_COPILOT_TLS_DOMAIN: 'ONEAPP_COPILOT_TLS_HOSTNAME',
  ONEAPP_COPILOT_DOMAIN: 'ONEAPP_COPILOT_TLS_HOSTNAME',
};

/**
 * Warnings for ONEAPP_COPILOT_* names that are not ours (typos, other images' names): they are ignored.
 * Our own former names (aliases) are read, and reported by context-aliases.ts instead.
 */
export function unknownVariableWarnings(names: Iterable<string>): string[] {
  const known = new Set<string>(CONTEXT_VARIABLES.flatMap((v) => [v.name, ...v.aliases]));
  const warnings: string[] = [];
  for (const name of names) {
    if (!name.startsWith('ONEAPP_COPILOT_') || known.has(name)) continue;
    const instead = OTHER_IMAGES_NAMES[name];
    warnings.push(`${name} is not a SLM-Copilot variable and is ignored${instead !== undefined ? `; use ${instead}` : ''}`);
  }
  return warnings.sort();
}
