/**
 * How the appliance starts, restarts and reloads its two services. systemd on the VM; child processes
 * in `slm-copilot up` and the integration tests. Apply logic only talks to this interface.
 */

export type ServiceName = 'engine' | 'nginx';

export interface ServiceManager {
  /** `nginx -t` on the edge configuration as it is on disk; throws CommandError with nginx's message. */
  checkEdgeConfig(): Promise<void>;
  /** Picks up a changed unit file (systemctl daemon-reload); a no-op for child processes. */
  reloadUnits(): Promise<void>;
  isRunning(name: ServiceName): Promise<boolean>;
  /** Starts the service if stopped, restarts it if running. */
  restart(name: ServiceName): Promise<void>;
  /** Reloads configuration without dropping connections (nginx); starts it when stopped. */
  reload(name: ServiceName): Promise<void>;
  /** Main process id, for diagnostics and tests (undefined when stopped). */
  mainPid(name: ServiceName): Promise<number | undefined>;
  /** Enables the services at boot (systemd); a no-op for child processes. */
  enable(name: ServiceName): Promise<void>;
}
