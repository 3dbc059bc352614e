/**
 * Ports of a sandbox (`slm-copilot up`): chosen once (free high ports, or --port) and kept in the
 * sandbox's state, so a second `up` on the same root serves the same URL.
 */
import { createServer } from 'node:net';
import { z } from 'zod';
import { freePort } from '../../lib/free-port.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import type { NetworkProfile } from '../layout.ts';

const FILE = '/var/lib/slm-copilot/sandbox.json';
const schema = z.object({ httpsPort: z.number().int(), httpPort: z.number().int(), enginePort: z.number().int() });

export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export interface SandboxPorts {
  httpsPort?: number | undefined;
  httpPort?: number | undefined;
  enginePort?: number | undefined;
}

export async function sandboxProfile(fs: ApplianceFs, wanted: SandboxPorts, listenAddress = '127.0.0.1'): Promise<NetworkProfile> {
  const text = await fs.readText(FILE);
  const previous = text === undefined ? undefined : schema.safeParse(JSON.parse(text)).data;
  const pick = async (want: number | undefined, prev: number | undefined, preferred: number | undefined) => {
    if (want !== undefined) return want;
    if (prev !== undefined && (await portIsFree(prev, listenAddress))) return prev;
    if (preferred !== undefined && (await portIsFree(preferred, listenAddress))) return preferred;
    return freePort(listenAddress);
  };
  const httpsPort = await pick(wanted.httpsPort, previous?.httpsPort, 8443);
  const httpPort = await pick(wanted.httpPort, previous?.httpPort, undefined);
  const enginePort = await pick(wanted.enginePort, previous?.enginePort, undefined);
  await fs.write(FILE, `${JSON.stringify({ httpsPort, httpPort, enginePort })}\n`, 0o600);
  return { mode: 'sandbox', httpsPort, httpPort, enginePort, listenAddress };
}
