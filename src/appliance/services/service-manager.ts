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
  /** Stops the service and keeps it from starting at boot (a role that does not run it). */
  stopAndDisable(name: ServiceName): Promise<void>;
  /**
   * The scale-out timer (edge discovery / engine publication) on or off, now and at boot. A no-op for
   * child processes: the sandbox runs the passes itself.
   */
  setScaleOutTimer(on: boolean): Promise<void>;
}
