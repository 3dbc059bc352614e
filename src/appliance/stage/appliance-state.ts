/**
 * What the last successful configure set up (no secrets: the key stays in its own 0600 file). The
 * report, bootstrap and a failed reconfigure read it to describe the endpoint that is still serving.
 */
import { z } from 'zod';
import type { ApplianceFs } from '../appliance-fs.ts';
import { APPLIANCE_ROLES } from '../context/appliance-role.ts';
import { PATHS } from '../layout.ts';
import { tlsModeSchema } from '../tls/tls-mode.ts';

const stateSchema = z.object({
  /** standalone when absent (states from before scale-out). */
  role: z.enum(APPLIANCE_ROLES).optional(),
  url: z.string(),
  hostname: z.string(),
  modelId: z.string(),
  contextSize: z.number(),
  tlsMode: tlsModeSchema,
  certificateKind: tlsModeSchema,
  certPath: z.string(),
  fingerprintSha256: z.string(),
  /** The appliance CA clients trust (self-signed mode); absent in states from before the CA. */
  caPath: z.string().optional(),
  caFingerprintSha256: z.string().optional(),
  tlsNote: z.string().optional(),
  contextNote: z.string().optional(),
  /** CA bundle that verifies the served certificate when it is not publicly trusted (e.g. a test ACME CA). */
  caBundle: z.string().optional(),
  engine: z.object({ host: z.string(), port: z.number() }),
  httpsPort: z.number(),
  /** Port 80 on the VM: where the CA certificate can be fetched before anything is trusted. */
  httpPort: z.number().optional(),
  timeoutSeconds: z.number(),
  configuredAt: z.string(),
  selfTest: z.object({ ok: z.boolean(), detail: z.string() }).optional(),
});

export type ApplianceState = z.infer<typeof stateSchema>;

export async function readState(fs: ApplianceFs): Promise<ApplianceState | undefined> {
  const text = await fs.readText(PATHS.state);
  if (text === undefined) return undefined;
  try {
    const parsed = stateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function writeState(fs: ApplianceFs, state: ApplianceState): Promise<void> {
  await fs.write(PATHS.state, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}
