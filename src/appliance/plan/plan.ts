/**
 * The desired state, derived from the parsed context and machine facts: engine settings, edge settings,
 * TLS intent and endpoint. Pure apart from reading the model definition; writes nothing.
 */
import { isIP } from 'node:net';
import { type ContextWindowChoice, chooseContextWindow } from '../../lib/context-window.ts';
import { ConfigError } from '../../lib/errors.ts';
import { kvBytesPerToken, readKvShape } from '../../lib/gguf-kv-shape.ts';
import { hostInUrl, hostPort } from '../../lib/host-port.ts';
import { MAX_REQUEST_BODY_BYTES } from '../../lib/request-limits.ts';
import { threadCountFor } from '../../lib/usable-cpus.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import type { ApplianceRole } from '../context/appliance-role.ts';
import type { ApplianceContext } from '../context/context-schema.ts';
import { ENGINE_PARALLEL, ENGINE_QUEUE, type NetworkProfile } from '../layout.ts';
import { privateListenAddress } from '../scale-out/private-address.ts';
import type { TlsMode } from '../tls/tls-mode.ts';
import { type SelectedModel, selectModel } from './model-selection.ts';

export interface MachineFacts {
  totalMemoryBytes: number;
  usableCpus: number;
  /** VM addresses, ETH0 first. */
  addresses: string[];
}

export interface EngineSettings {
  host: string;
  port: number;
  threads: number;
  contextSize: number;
  /** Why an `auto` window is short for an agent; shown in the log and the report. */
  contextWarning?: string | undefined;
  parallel: number;
  queue: number;
  /** End-to-end bound of one request, enforced by the engine (clear OpenAI error, also mid-stream). */
  requestTimeoutSeconds: number;
}

export interface EdgeSettings {
  httpsPort: number;
  httpPort: number;
  listenAddress: string | undefined;
  timeoutSeconds: number;
  rateLimit: number;
  rateBurst: number;
  maxConnections: number;
  /** nginx client_max_body_size: MAX_REQUEST_BODY_BYTES, the engine's limit too. */
  maxBodyBytes: number;
}

export interface AppliancePlan {
  profile: NetworkProfile;
  /** standalone: engine + edge here; edge: nginx over the service's engines, no model; engine: model only. */
  role: ApplianceRole;
  /** Name in the URL and certificate. */
  hostname: string;
  /** Every name/IP the certificate must cover. */
  certificateNames: { hostname: string; ips: string[] };
  endpointUrl: string;
  tlsMode: TlsMode;
  leEmail: string | undefined;
  model: SelectedModel;
  engine: EngineSettings;
  edge: EdgeSettings;
}

/** ONEAPP_COPILOT_ENGINE_CONTEXT_SIZE=auto: the engine's own rule (src/lib/context-window.ts) for this VM's RAM. */
async function autoContextWindow(model: SelectedModel, facts: MachineFacts, fs: ApplianceFs): Promise<ContextWindowChoice> {
  const shape = await readKvShape(fs.real(model.weightsPath), 'ONEAPP_COPILOT_ENGINE_MODEL');
  return chooseContextWindow({
    memoryBytes: facts.totalMemoryBytes,
    weightsBytes: model.weightsBytes,
    kvBytesPerToken: kvBytesPerToken(shape),
    trainContext: shape.trainContext,
    parallel: ENGINE_PARALLEL,
    cap: model.contextSize,
  });
}

export async function buildPlan(
  context: ApplianceContext,
  facts: MachineFacts,
  profile: NetworkProfile,
  fs: ApplianceFs,
): Promise<AppliancePlan> {
  let model: SelectedModel;
  try {
    model = await selectModel(fs, context.model);
  } catch (e) {
    throw new ConfigError([{ field: 'ONEAPP_COPILOT_ENGINE_MODEL', message: (e as Error).message }]);
  }
  const sandbox = profile.mode === 'sandbox';
  // An engine VM serves the edge over the private network only (behind the internal credential).
  let engineHost = '127.0.0.1';
  if (context.role === 'engine') {
    const address = privateListenAddress(facts.addresses);
    if (address === undefined)
      throw new ConfigError([
        {
          field: 'ONEAPP_COPILOT_SERVICE_ROLE',
          message: `engine needs an address on a private network (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) to listen on; this VM has ${facts.addresses.join(', ') || 'none'}`,
        },
      ]);
    engineHost = address;
  }
  const hostname = context.hostname ?? (sandbox ? 'localhost' : (facts.addresses[0] ?? 'localhost'));
  const window = context.contextSize === 'auto' ? await autoContextWindow(model, facts, fs) : undefined;
  const contextSize = window?.contextSize ?? (context.contextSize as number);
  const threads = context.threads === 'auto' ? threadCountFor(facts.usableCpus) : context.threads;
  const urlHost = hostInUrl(hostname);
  const portInUrl = profile.httpsPort === 443 ? '' : `:${profile.httpsPort}`;
  const ips = [...new Set([...facts.addresses, '127.0.0.1', ...(isIP(hostname) !== 0 ? [hostname] : [])])];
  return {
    profile,
    role: context.role,
    hostname,
    certificateNames: { hostname: isIP(hostname) === 0 ? hostname : 'localhost', ips },
    // An engine has no public endpoint: its URL is the internal one the edge uses.
    endpointUrl: context.role === 'engine' ? `http://${hostPort(engineHost, profile.enginePort)}/v1` : `https://${urlHost}${portInUrl}/v1`,
    tlsMode: context.tlsMode,
    leEmail: context.leEmail,
    model,
    engine: {
      host: engineHost,
      port: profile.enginePort,
      threads,
      contextSize,
      contextWarning: window?.warning,
      parallel: ENGINE_PARALLEL,
      queue: ENGINE_QUEUE,
      requestTimeoutSeconds: context.timeoutSeconds,
    },
    edge: {
      httpsPort: profile.httpsPort,
      httpPort: profile.httpPort,
      listenAddress: profile.listenAddress,
      timeoutSeconds: context.timeoutSeconds,
      rateLimit: context.rateLimit,
      rateBurst: context.rateBurst,
      maxConnections: context.maxConnections,
      maxBodyBytes: MAX_REQUEST_BODY_BYTES,
    },
  };
}
