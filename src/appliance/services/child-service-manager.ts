/**
 * ServiceManager for the sandbox (`slm-copilot up`, integration tests): the engine and a private nginx
 * run as child processes of this process, configured from the same files configure renders. The engine
 * argv is expanded from the engine settings file exactly like systemd expands the unit's ExecStart.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { CommandError } from '../../lib/errors.ts';
import { fileTail } from '../../lib/process/output-tail.ts';
import { type StartedProcess, startProcess } from '../../lib/process/start-process.ts';
import { WaitTimeoutError, waitUntil } from '../../lib/process/wait-until.ts';
import type { ApplianceFs } from '../appliance-fs.ts';
import { PATHS } from '../layout.ts';
import { expandServeArgs, parseEngineSettings } from '../render/engine-settings.ts';
import type { ServiceManager, ServiceName } from './service-manager.ts';

export interface ChildServiceOptions {
  fs: ApplianceFs;
  runner: CommandRunner;
  /** How to run the CLI: e.g. [process.execPath, '/repo/src/cli/main.ts']. */
  cliCommand: readonly string[];
  /** Called when a child exits without being asked to (crash). */
  onUnexpectedExit?: (name: ServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface ChildServiceManager extends ServiceManager {
  /** Stops both children (SIGTERM, then SIGKILL after a grace period). */
  stopAll(): Promise<void>;
  /** Real paths of the children's logs. */
  logFiles(): Record<ServiceName, string>;
}

/** Debian's nginx from PATH, the same binary the appliance's systemd unit runs. */
const nginx = 'nginx';

export function createChildServiceManager(options: ChildServiceOptions): ChildServiceManager {
  const { fs } = options;
  const children = new Map<ServiceName, StartedProcess>();
  const stopping = new Set<StartedProcess>();
  const logs: Record<ServiceName, string> = {
    engine: fs.real(`${PATHS.sandboxLogDir}/engine.out.log`),
    nginx: fs.real(PATHS.nginxErrorLog),
  };
  const nginxArgs = () => [
    '-p',
    `${fs.real(PATHS.nginxTempDir)}/`,
    '-c',
    fs.real(PATHS.nginxSandboxMain),
    '-e',
    fs.real(PATHS.nginxErrorLog),
  ];

  function running(name: ServiceName): StartedProcess | undefined {
    const child = children.get(name);
    return child?.running === true ? child : undefined;
  }

  async function launch(name: ServiceName, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<StartedProcess> {
    const logDir = fs.real(PATHS.sandboxLogDir);
    mkdirSync(logDir, { recursive: true, mode: 0o755 });
    // Own process group: Ctrl-C reaches only `up`, which then stops the children in order.
    const child = await startProcess(command, args, {
      name,
      env,
      detached: true,
      output: { file: `${logDir}/${name}.out.log`, mode: 0o600 },
    });
    void child.exited.then(({ code, signal }) => {
      if (!stopping.has(child)) options.onUnexpectedExit?.(name, code, signal);
    });
    children.set(name, child);
    return child;
  }

  async function stop(name: ServiceName): Promise<void> {
    const child = running(name);
    if (child === undefined) return;
    stopping.add(child);
    await child.stop({ graceMs: 20_000 });
  }

  async function startEngine(): Promise<void> {
    const text = await fs.readText(PATHS.engineEnv);
    if (text === undefined) throw new Error(`${fs.real(PATHS.engineEnv)} does not exist: run configure first`);
    const args = expandServeArgs(parseEngineSettings(text), fs.real(PATHS.stateDir));
    const [exe, ...prefix] = options.cliCommand;
    if (exe === undefined) throw new Error('cliCommand is empty');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['SLM_COPILOT_API_KEY'];
    await launch('engine', exe, [...prefix, ...args], env);
  }

  async function startNginx(): Promise<void> {
    const child = await launch('nginx', nginx, nginxArgs(), process.env);
    const pidFile = fs.real(PATHS.nginxPid);
    // Started when the master wrote its pid file; failed when it exited first.
    await waitUntil('nginx to write its pid file', () => readPid(pidFile) === child.pid, {
      timeoutMs: 5_000,
      intervalMs: 25,
      signal: child.exitSignal,
    }).catch((error: Error) => {
      throw new CommandError([nginx, ...nginxArgs()], child.child.exitCode, `${error.message}\n${fileTail(logs.nginx, 15)}`);
    });
  }

  const manager: ChildServiceManager = {
    async checkEdgeConfig() {
      await options.runner.run(nginx, ['-t', '-q', ...nginxArgs()]);
    },
    async reloadUnits() {},
    async isRunning(name) {
      return running(name) !== undefined;
    },
    async restart(name) {
      await stop(name);
      if (name === 'engine') await startEngine();
      else await startNginx();
    },
    async reload(name) {
      const child = running(name);
      if (child === undefined || name === 'engine') return manager.restart(name);
      const before = workerPids(child.pid);
      child.child.kill('SIGHUP');
      // A reload is done when a worker with the new configuration exists and the old ones stopped
      // accepting: they exit once idle, so wait for that, but not for long-running streams they still serve.
      await waitUntil(
        'nginx to start workers with the new configuration',
        () => workerPids(child.pid).some((pid) => !before.includes(pid)),
        {
          timeoutMs: 10_000,
          intervalMs: 25,
        },
      ).catch((error: Error) => {
        throw new CommandError([nginx, '-s', 'reload'], null, `${error.message}\n${fileTail(logs.nginx, 15)}`);
      });
      await waitUntil('the old nginx workers to exit', () => !workerPids(child.pid).some((pid) => before.includes(pid)), {
        timeoutMs: 3_000,
        intervalMs: 25,
      }).catch((error: unknown) => {
        if (!(error instanceof WaitTimeoutError)) throw error;
      });
    },
    async mainPid(name) {
      return running(name)?.pid;
    },
    async enable() {},
    async stopAndDisable(name) {
      await stop(name);
    },
    async setScaleOutTimer() {},
    async stopAll() {
      await Promise.all([stop('nginx'), stop('engine')]);
    },
    logFiles: () => ({ ...logs }),
  };
  return manager;
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

function workerPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
