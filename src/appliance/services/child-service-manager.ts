/**
 * ServiceManager for the sandbox (`slm-copilot up`, integration tests): the engine and a private nginx
 * run as child processes of this process, configured from the same files configure renders. The engine
 * argv is expanded from the engine settings file exactly like systemd expands the unit's ExecStart.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandRunner } from '../../lib/command-runner.ts';
import { CommandError } from '../../lib/errors.ts';
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
  const children = new Map<ServiceName, ChildProcess>();
  const stopping = new Set<ChildProcess>();
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

  function running(name: ServiceName): ChildProcess | undefined {
    const child = children.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null ? child : undefined;
  }

  function launch(name: ServiceName, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const logDir = fs.real(PATHS.sandboxLogDir);
    mkdirSync(logDir, { recursive: true, mode: 0o755 });
    const out = openSync(`${logDir}/${name}.out.log`, 'a', 0o600);
    // Own process group: Ctrl-C reaches only `up`, which then stops the children in order.
    const child = spawn(command, args, { stdio: ['ignore', out, out], env, detached: true });
    closeSync(out);
    child.on('exit', (code, signal) => {
      if (!stopping.has(child)) options.onUnexpectedExit?.(name, code, signal);
    });
    child.on('error', () => {});
    children.set(name, child);
    return child;
  }

  async function stop(name: ServiceName): Promise<void> {
    const child = running(name);
    if (child === undefined) return;
    stopping.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timedOut = await Promise.race([exited.then(() => false), sleep(20_000).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  async function startEngine(): Promise<void> {
    const text = await fs.readText(PATHS.engineEnv);
    if (text === undefined) throw new Error(`${fs.real(PATHS.engineEnv)} does not exist: run configure first`);
    const args = expandServeArgs(parseEngineSettings(text), fs.real(PATHS.stateDir));
    const [exe, ...prefix] = options.cliCommand;
    if (exe === undefined) throw new Error('cliCommand is empty');
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['SLM_COPILOT_API_KEY'];
    launch('engine', exe, [...prefix, ...args], env);
  }

  async function startNginx(): Promise<void> {
    const child = launch('nginx', nginx, nginxArgs(), process.env);
    const pidFile = fs.real(PATHS.nginxPid);
    // Started when the master wrote its pid file; failed when it exited first.
    for (let i = 0; i < 200; i++) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new CommandError([nginx, ...nginxArgs()], child.exitCode, tail(logs.nginx));
      }
      if (readPid(pidFile) === child.pid) return;
      await sleep(25);
    }
    throw new CommandError([nginx, ...nginxArgs()], null, `nginx did not write its pid file within 5 s\n${tail(logs.nginx)}`);
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
      const before = workerPids(child.pid!);
      child.kill('SIGHUP');
      // A reload is done when a worker with the new configuration exists and the old ones stopped
      // accepting: they exit once idle, so wait for that, but not for long-running streams they still serve.
      let started = false;
      for (let i = 0; i < 400 && !started; i++) {
        await sleep(25);
        started = workerPids(child.pid!).some((pid) => !before.includes(pid));
      }
      if (!started)
        throw new CommandError([nginx, '-s', 'reload'], null, `nginx did not start new workers within 10 s\n${tail(logs.nginx)}`);
      for (let i = 0; i < 120; i++) {
        if (!workerPids(child.pid!).some((pid) => before.includes(pid))) return;
        await sleep(25);
      }
    },
    async mainPid(name) {
      return running(name)?.pid;
    },
    async enable() {},
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

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}
