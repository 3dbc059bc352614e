/** Stops a child this process started: a polite signal first, SIGKILL when it outlives the grace period. */
import type { ChildProcess } from 'node:child_process';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** The polite signal (default SIGTERM; SIGINT for programs that treat it as "finish up"). */
  signal?: NodeJS.Signals;
  /** How long the child may take to exit before SIGKILL (default 10 s). */
  graceMs?: number;
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves with how the child ended, once it has exited; only ever signals `child` itself. */
export async function stopProcess(child: ChildProcess, options: StopOptions = {}): Promise<ExitStatus> {
  const exited = new Promise<ExitStatus>((resolve) => {
    if (hasExited(child) || child.pid === undefined) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (hasExited(child) || child.pid === undefined) return exited;
  child.kill(options.signal ?? 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 10_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
