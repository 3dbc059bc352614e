/** Everything a stage needs from the outside world, composed once by the CLI command (or a test). */
import type { CommandRunner } from '../../lib/command-runner.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import type { NetworkProfile } from '../layout.ts';
import type { MachineFacts } from '../plan/plan.ts';
import type { ServiceManager } from '../services/service-manager.ts';
import type { AcmeOptions } from './certificates.ts';

export interface ApplianceEnv {
  fs: ApplianceFs;
  runner: CommandRunner;
  services: ServiceManager;
  profile: NetworkProfile;
  /** Context variables and OneGate/network facts (see collectRawContext). */
  raw: Readonly<Record<string, string>>;
  facts: MachineFacts;
  cpuinfo: string | undefined;
  now: () => Date;
  acme: AcmeOptions;
  /** Human-readable progress lines (terminal/journal); undefined = quiet. */
  echo: ((line: string) => void) | undefined;
  /** `root@<ip>` for the report's CA download hint; undefined in the sandbox. */
  sshTarget: string | undefined;
  /** Bounds for bootstrap's readiness wait. */
  readyTimeoutMs: number;
}
