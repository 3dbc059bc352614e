/**
 * Starts a child and keeps what is needed to wait for it and stop it: its pid, the tail of its output,
 * a promise of its exit and an AbortSignal that fires when it exits (so a wait for it gives up at once).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { basename } from 'node:path';
import { fileTail, outputTail } from './output-tail.ts';
import { sleep } from './sleep.ts';
import { type ExitStatus, hasExited, type StopOptions, stopProcess } from './stop-process.ts';
import { waitUntil } from './wait-until.ts';

export interface StartOptions {
  /** Names the process in errors (default: the command's file name). */
  name?: string;
  /** The complete environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Where stdout and stderr go: kept in memory (default; `output()` returns the tail), appended to a log
   * file (created with `mode`; `output()` reads its tail back), or this process's own terminal.
   */
  output?: 'keep' | 'inherit' | { file: string; mode?: number };
  /** Every stdout chunk as text, e.g. to parse JSON log lines (only with output 'keep'). */
  onStdout?: (text: string) => void;
  /** Own process group: a Ctrl-C in the terminal reaches only us, and we stop the child in order. */
  detached?: boolean;
}

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly running: boolean;
  readonly exited: Promise<ExitStatus>;
  /** Aborts when the process exits, with a reason saying how: pass it to `waitUntil` as `signal`. */
  readonly exitSignal: AbortSignal;
  /** The end of what it wrote so far. */
  output(): string;
  /** Resolves once `pattern` appears in its output; fails when it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(options?: StopOptions): Promise<ExitStatus>;
}

/** Resolves once the child runs; rejects when it cannot be started (e.g. the command does not exist). */
export async function startProcess(command: string, args: readonly string[], options: StartOptions = {}): Promise<StartedProcess> {
  const name = options.name ?? basename(command);
  const mode = options.output ?? 'keep';
  const tail = outputTail();
  const fd = typeof mode === 'object' ? openSync(mode.file, 'a', mode.mode ?? 0o600) : undefined;
  let child: ChildProcess;
  try {
    const stdio =
      fd !== undefined ? (['ignore', fd, fd] as const) : mode === 'inherit' ? (['ignore', 'inherit', 'inherit'] as const) : 'pipe';
    child = spawn(command, [...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : [...stdio],
      detached: options.detached ?? false,
    });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`could not start ${name} (${command}): ${error.message}`, { cause: error })));
  });
  // Later errors (a signal to a process that just exited) are not failures of the child.
  child.on('error', () => undefined);
  child.stdout?.on('data', (chunk: Buffer) => {
    tail.push(chunk);
    options.onStdout?.(chunk.toString());
  });
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));

  const exitController = new AbortController();
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      // Its last words may still be in the pipe: wait for them (briefly: a grandchild may hold the pipe open).
      const drained = child.stdout === null ? Promise.resolve() : Promise.race([once(child, 'close'), sleep(1000, { ref: false })]);
      void drained.then(() => {
        exitController.abort(
          new Error(`${name} (pid ${child.pid}) ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`}`),
        );
        resolve({ code, signal });
      });
    });
  });
  const output = typeof mode === 'object' ? () => fileTail(mode.file, 40) : tail.text;
  return {
    name,
    pid: child.pid!,
    child,
    get running() {
      return !hasExited(child);
    },
    exited,
    exitSignal: exitController.signal,
    output,
    async waitForOutput(pattern, timeoutMs = 15_000) {
      await waitUntil(`${name} to print ${pattern}`, () => pattern.test(output()), {
        timeoutMs,
        intervalMs: 25,
        signal: exitController.signal,
        state: output,
      });
    },
    async stop(stopOptions) {
      await stopProcess(child, stopOptions);
      return exited;
    },
  };
}
