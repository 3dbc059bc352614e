/**
 * Parses the ONEAPP_COPILOT_* variables into a typed ApplianceContext, reporting every bad variable at
 * once. Each value must match a strict per-variable pattern, so nothing an operator types (newline, `;`,
 * `{`, `}`, quotes, `$`, backslash …) can reach nginx, systemd or YAML syntax.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { ConfigIssue } from '../../lib/errors.ts';
import { API_KEY_PATTERN } from '../api-key.ts';
import type { CustomCertificateInput } from '../tls/custom-certificate.ts';
import { isTlsMode, type TlsMode } from '../tls/tls-mode.ts';
import { type ApplianceRole, isApplianceRole } from './appliance-role.ts';
import { resolveAliases } from './context-aliases.ts';
import { CONTEXT_VARIABLES, type ContextVariableName } from './context-variables.ts';

export interface ApplianceContext {
  role: ApplianceRole;
  /** Scale-out: the edge↔engine credential as set; undefined = derived from the API key (internal-credential.ts). */
  serviceCredential: string | undefined;
  /** Undefined: generate (or keep the generated) key. */
  apiKey: string | undefined;
  /** Undefined: use the VM IP. */
  hostname: string | undefined;
  tlsMode: TlsMode;
  /** PEM texts of ONEAPP_COPILOT_TLS_CERT/_TLS_KEY (decoded, not yet checked: see tls/custom-certificate.ts). */
  customCertificate: CustomCertificateInput | undefined;
  leEmail: string | undefined;
  contextSize: number | 'auto';
  threads: number | 'auto';
  timeoutSeconds: number;
  rateLimit: number;
  rateBurst: number;
  maxConnections: number;
  /** File name in /models without `.yaml`; undefined = default. */
  model: string | undefined;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

const DNS_RE = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const EMAIL_RE = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const MODEL_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const INT_RE = /^[0-9]{1,9}$/;

function allowedOf(name: ContextVariableName): string {
  return CONTEXT_VARIABLES.find((v) => v.name === name)!.allowed;
}

/** A short, single-line, quoted rendering of a rejected value (never used for secrets). */
export function quoteValue(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

function mismatch(name: ContextVariableName, value: string, secret = false): string {
  return `invalid value ${secret ? '(hidden)' : quoteValue(value)}; allowed: ${allowedOf(name)}`;
}

const optional = (schema: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v))
    .pipe(schema.optional());

function pattern(name: ContextVariableName, re: RegExp, secret = false) {
  return z.string().superRefine((v, ctx) => {
    if (!re.test(v)) ctx.addIssue({ code: 'custom', message: mismatch(name, v, secret) });
  });
}

function integer(name: ContextVariableName, min: number, max: number, fallback: number | 'auto', allowAuto: boolean) {
  return z
    .string()
    .optional()
    .transform((v, ctx): number | 'auto' => {
      if (v === undefined || v === '') return fallback;
      if (allowAuto && v === 'auto') return 'auto';
      const n = INT_RE.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: mismatch(name, v) });
        return z.NEVER;
      }
      return n;
    });
}

/**
 * A USER_INPUTS `text64` value: the CLI and Sunstone base64-encode it. Pasted PEM text is accepted too.
 * Only the shape is checked here; openssl judges the content (custom-certificate.ts). Never echoed.
 */
function pemText64(name: ContextVariableName, label: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): string | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const text = v.includes('-----BEGIN') ? v : /^[A-Za-z0-9+/=\s]+$/.test(v) ? Buffer.from(v, 'base64').toString('utf8') : '';
      if (!text.includes(`${label}-----`)) {
        ctx.addIssue({ code: 'custom', message: `not a PEM ${label.toLowerCase()} (nor base64 of one); allowed: ${allowedOf(name)}` });
        return z.NEVER;
      }
      return text.replaceAll('\r\n', '\n');
    });
}

function hostnameSchema() {
  return z.string().superRefine((v, ctx) => {
    if (isIP(v) === 0 && !DNS_RE.test(v)) ctx.addIssue({ code: 'custom', message: mismatch('ONEAPP_COPILOT_TLS_HOSTNAME', v) });
  });
}

const schema = z
  .object({
    ONEAPP_COPILOT_SERVICE_ROLE: z
      .string()
      .optional()
      .transform((v, ctx): ApplianceRole => {
        if (v === undefined || v === '') return 'standalone';
        if (isApplianceRole(v)) return v;
        ctx.addIssue({ code: 'custom', message: mismatch('ONEAPP_COPILOT_SERVICE_ROLE', v) });
        return z.NEVER;
      }),
    ONEAPP_COPILOT_SERVICE_CREDENTIAL: optional(pattern('ONEAPP_COPILOT_SERVICE_CREDENTIAL', API_KEY_PATTERN, true)),
    ONEAPP_COPILOT_API_KEY: optional(pattern('ONEAPP_COPILOT_API_KEY', API_KEY_PATTERN, true)),
    ONEAPP_COPILOT_TLS_HOSTNAME: optional(hostnameSchema()),
    ONEAPP_COPILOT_TLS_MODE: z
      .string()
      .optional()
      .transform((v, ctx): TlsMode | undefined => {
        // Empty: custom when a certificate is given, else self-signed (decided below).
        if (v === undefined || v === '') return undefined;
        if (isTlsMode(v)) return v;
        ctx.addIssue({ code: 'custom', message: mismatch('ONEAPP_COPILOT_TLS_MODE', v) });
        return z.NEVER;
      }),
    ONEAPP_COPILOT_TLS_EMAIL: optional(pattern('ONEAPP_COPILOT_TLS_EMAIL', EMAIL_RE)),
    ONEAPP_COPILOT_TLS_CERT: pemText64('ONEAPP_COPILOT_TLS_CERT', 'CERTIFICATE'),
    ONEAPP_COPILOT_TLS_KEY: pemText64('ONEAPP_COPILOT_TLS_KEY', 'PRIVATE KEY'),
    ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE: integer('ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE', 2048, 262144, 'auto', true),
    ONEAPP_COPILOT_ENGINE_THREADS: integer('ONEAPP_COPILOT_ENGINE_THREADS', 1, 512, 'auto', true),
    ONEAPP_COPILOT_ENGINE_TIMEOUT: integer('ONEAPP_COPILOT_ENGINE_TIMEOUT', 1, 86400, 300, false),
    ONEAPP_COPILOT_LIMIT_RATE: integer('ONEAPP_COPILOT_LIMIT_RATE', 1, 100000, 10, false),
    ONEAPP_COPILOT_LIMIT_BURST: integer('ONEAPP_COPILOT_LIMIT_BURST', 0, 100000, 20, false),
    ONEAPP_COPILOT_LIMIT_CONNECTIONS: integer('ONEAPP_COPILOT_LIMIT_CONNECTIONS', 1, 100000, 16, false),
    ONEAPP_COPILOT_ENGINE_MODEL: optional(
      z
        .string()
        .transform((v) => v.replace(/\.ya?ml$/, ''))
        .pipe(pattern('ONEAPP_COPILOT_ENGINE_MODEL', MODEL_RE)),
    ),
  })
  .superRefine((v, ctx) => {
    // Edge and engines must agree on the credential without talking: both derive it from the same inputs.
    if (
      v.ONEAPP_COPILOT_SERVICE_ROLE !== 'standalone' &&
      v.ONEAPP_COPILOT_SERVICE_CREDENTIAL === undefined &&
      v.ONEAPP_COPILOT_API_KEY === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['ONEAPP_COPILOT_SERVICE_CREDENTIAL'],
        message: `required with ONEAPP_COPILOT_SERVICE_ROLE=${v.ONEAPP_COPILOT_SERVICE_ROLE}: set it (or ONEAPP_COPILOT_API_KEY) to the same value on the edge and every engine`,
      });
    }
    const cert = v.ONEAPP_COPILOT_TLS_CERT;
    const key = v.ONEAPP_COPILOT_TLS_KEY;
    if ((cert === undefined) !== (key === undefined)) {
      const missing = cert === undefined ? 'ONEAPP_COPILOT_TLS_CERT' : 'ONEAPP_COPILOT_TLS_KEY';
      const other = cert === undefined ? 'ONEAPP_COPILOT_TLS_KEY' : 'ONEAPP_COPILOT_TLS_CERT';
      ctx.addIssue({ code: 'custom', path: [missing], message: `required with ${other}: give the certificate and its key together` });
    }
    if (v.ONEAPP_COPILOT_TLS_MODE === 'custom' && cert === undefined && key === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ONEAPP_COPILOT_TLS_CERT'],
        message: 'required with ONEAPP_COPILOT_TLS_MODE=custom (and ONEAPP_COPILOT_TLS_KEY)',
      });
    }
    if (v.ONEAPP_COPILOT_TLS_MODE === 'letsencrypt' && cert !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ONEAPP_COPILOT_TLS_MODE'],
        message:
          'letsencrypt and an own certificate (ONEAPP_COPILOT_TLS_CERT) exclude each other; allowed: custom or self-signed, or clear ONEAPP_COPILOT_TLS_CERT/_TLS_KEY',
      });
    }
    if (v.ONEAPP_COPILOT_TLS_MODE === 'letsencrypt') {
      const host = v.ONEAPP_COPILOT_TLS_HOSTNAME;
      if (host === undefined || isIP(host) !== 0 || !host.includes('.')) {
        ctx.addIssue({
          code: 'custom',
          path: ['ONEAPP_COPILOT_TLS_HOSTNAME'],
          message: 'letsencrypt needs a public DNS name (e.g. copilot.example.org) pointing at this VM, not an IP or an empty value',
        });
      }
    }
  });

/**
 * Parses raw variables (env or one_env); unknown keys are ignored, former names are read as their
 * current ones (context-aliases.ts). Returns every issue at once, each naming the variable as it was set.
 */
export function parseApplianceContext(raw: Readonly<Record<string, string | undefined>>): ParseResult<ApplianceContext> {
  const resolved = resolveAliases(raw);
  const input: Record<string, string | undefined> = {};
  for (const v of CONTEXT_VARIABLES) {
    const value = resolved.values[v.name];
    // Surrounding blanks are a common copy-paste accident; anything else is judged as typed.
    input[v.name] = value === undefined ? undefined : value.replace(/^[ \t]+|[ \t]+$/g, '');
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const issues: ConfigIssue[] = [];
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? 'context');
      const field = resolved.source[name as ContextVariableName] ?? name;
      const renamed = field === name ? '' : ` (former name of ${name})`;
      const text = issue.code === 'invalid_type' ? `invalid value; allowed: ${allowedOf(name as ContextVariableName)}` : issue.message;
      const message = `${text}${renamed}`;
      if (!issues.some((i) => i.field === field && i.message === message)) issues.push({ field, message });
    }
    return { ok: false, issues };
  }
  const d = result.data;
  return {
    ok: true,
    value: {
      role: d.ONEAPP_COPILOT_SERVICE_ROLE,
      serviceCredential: d.ONEAPP_COPILOT_SERVICE_CREDENTIAL,
      apiKey: d.ONEAPP_COPILOT_API_KEY,
      hostname: d.ONEAPP_COPILOT_TLS_HOSTNAME?.replace(/\.$/, '').toLowerCase(),
      // A given certificate wins over the form's default (self-signed); letsencrypt with one was refused above.
      tlsMode: d.ONEAPP_COPILOT_TLS_CERT !== undefined ? 'custom' : (d.ONEAPP_COPILOT_TLS_MODE ?? 'self-signed'),
      customCertificate:
        d.ONEAPP_COPILOT_TLS_CERT !== undefined && d.ONEAPP_COPILOT_TLS_KEY !== undefined
          ? { certPem: d.ONEAPP_COPILOT_TLS_CERT, keyPem: d.ONEAPP_COPILOT_TLS_KEY }
          : undefined,
      leEmail: d.ONEAPP_COPILOT_TLS_EMAIL,
      contextSize: d.ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE,
      threads: d.ONEAPP_COPILOT_ENGINE_THREADS,
      timeoutSeconds: d.ONEAPP_COPILOT_ENGINE_TIMEOUT as number,
      rateLimit: d.ONEAPP_COPILOT_LIMIT_RATE as number,
      rateBurst: d.ONEAPP_COPILOT_LIMIT_BURST as number,
      maxConnections: d.ONEAPP_COPILOT_LIMIT_CONNECTIONS as number,
      model: d.ONEAPP_COPILOT_ENGINE_MODEL,
    },
  };
}
