/**
 * Runs long build commands (mmdebstrap, qemu-img, genisoimage) with their output appended to a log
 * file instead of the terminal, a hard timeout, and the tail of the log in the error when they fail.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { CommandError } from '../lib/errors.ts';
import { fileTail } from '../lib/process/output-tail.ts';

export interface LoggedRunOptions {
  log: string;
  timeoutMs: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Capture and return stdout instead of logging it. */
  captureStdout?: boolean;
}

export async function runLogged(command: string, args: readonly string[], options: LoggedRunOptions): Promise<string> {
  appendFileSync(options.log, `\n$ ${[command, ...args].join(' ')}\n`);
  const fd = openSync(options.log, 'a');
  try {
    return await new Promise<string>((resolve, reject) => {
      const child = spawn(command, [...args], {
        cwd: options.cwd,
        env: options.env === undefined ? process.env : { ...process.env, ...options.env },
        stdio: ['ignore', options.captureStdout === true ? 'pipe' : fd, fd],
        detached: true,
      });
      let stdout = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      const timer = setTimeout(() => {
        // detached → own process group: the timeout takes the command's children with it.
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {}
        }
      }, options.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new CommandError([command, ...args], null, error.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(stdout);
        const why = signal !== null ? `killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${options.timeoutMs / 1000}s?)` : ''}` : '';
        reject(new CommandError([command, ...args], code, `${why}\n${fileTail(options.log)}\n(full log: ${options.log})`));
      });
    });
  } finally {
    closeSync(fd);
  }
}
