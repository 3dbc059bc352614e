/**
 * Child processes owned by a test: started with a tracked PID, output kept for diagnostics, and
 * stopped (TERM, then KILL) by the test's `after()` even when assertions failed.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface TestProcess {
  name: string;
  pid: number;
  output(): string;
  /** Resolves once `pattern` appears in stdout/stderr; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], env: Record<string, string> = {}): TestProcess {
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-200_000);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      for (const l of listeners) l();
      resolve();
    }),
  );
  return {
    name,
    pid: child.pid,
    output: () => out,
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) done(undefined);
          else if (exited) done(new Error(`${name} exited before ${pattern}:\n${out}`));
        };
        const timer = setTimeout(() => done(new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
        const done = (error: Error | undefined) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
}
