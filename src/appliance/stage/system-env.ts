/**
 * Composes the ApplianceEnv of the real VM: context from the given environment (one-context exports
 * it) merged over /run/one-context/one_env, systemd services, ports 80/443.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { networkInterfaces, totalmem } from 'node:os';
import { systemCommandRunner } from '../../lib/command-runner.ts';
import { usableCpus } from '../../lib/usable-cpus.ts';
import { ApplianceFs } from '../appliance-fs.ts';
import { collectRawContext, vmAddresses } from '../context/context-sources.ts';
import { PATHS, SYSTEM_PROFILE } from '../layout.ts';
import { createSystemdServiceManager } from '../services/systemd-service-manager.ts';
import type { ApplianceEnv } from './appliance-env.ts';

export interface SystemEnvOptions {
  env: Readonly<Record<string, string | undefined>>;
  root?: string;
  echo?: (line: string) => void;
  acmeServer?: string | undefined;
  acmeCaBundle?: string | undefined;
  acmeIssuedCaBundle?: string | undefined;
  readyTimeoutMs?: number;
}

export async function systemApplianceEnv(options: SystemEnvOptions): Promise<ApplianceEnv> {
  const fs = new ApplianceFs(options.root ?? '/');
  const oneEnv = await fs.readText(PATHS.oneEnv).catch(() => undefined);
  const raw = collectRawContext(options.env, oneEnv);
  const addresses = vmAddresses(raw, networkInterfaces());
  return {
    fs,
    runner: systemCommandRunner,
    services: createSystemdServiceManager(systemCommandRunner),
    // `listen [::]:…` fails when the kernel has IPv6 disabled; then listen on IPv4 only.
    profile: { ...SYSTEM_PROFILE, listenAddress: existsSync('/proc/net/if_inet6') ? undefined : '0.0.0.0' },
    raw,
    facts: { totalMemoryBytes: totalmem(), usableCpus: usableCpus(), addresses },
    cpuinfo: await readFile('/proc/cpuinfo', 'utf8').catch(() => undefined),
    now: () => new Date(),
    acme: {
      ...(options.acmeServer !== undefined ? { server: options.acmeServer } : {}),
      ...(options.acmeCaBundle !== undefined ? { caBundle: options.acmeCaBundle } : {}),
      ...(options.acmeIssuedCaBundle !== undefined ? { issuedCaBundle: options.acmeIssuedCaBundle } : {}),
    },
    echo: options.echo,
    sshTarget: addresses[0] === undefined ? undefined : `root@${addresses[0]}`,
    // Big models load from disk for minutes; one-context gives the hook no timeout, so bound it here.
    readyTimeoutMs: options.readyTimeoutMs ?? 900_000,
  };
}
