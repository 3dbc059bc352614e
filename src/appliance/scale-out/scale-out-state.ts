/** What the scale-out pass keeps between runs (the edge's view, the engine's last publication), for the next pass and the report. */
import { z } from 'zod';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import type { EdgeView } from './engine-discovery.ts';
import { type EnginePublication, enginePublicationSchema } from './engine-publication.ts';

const edgeViewSchema = z.object({
  engines: z.array(
    z.object({
      vmId: z.string(),
      name: z.string(),
      address: z.string().optional(),
      state: z.enum(['routed', 'not-ready', 'no-address', 'unreachable']),
      since: z.string(),
    }),
  ),
  lastChange: z.string().optional(),
  lastError: z.string().optional(),
  reloads: z.number(),
});

export async function readEdgeView(fs: ApplianceFs): Promise<EdgeView | undefined> {
  return parseJson(await fs.readText(PATHS.edgeView), edgeViewSchema) as EdgeView | undefined;
}

export async function readEnginePublication(fs: ApplianceFs): Promise<EnginePublication | undefined> {
  return parseJson(await fs.readText(PATHS.enginePublication), enginePublicationSchema);
}

function parseJson<T>(text: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
