/**
 * Runs system commands (openssl, nginx, certbot, systemctl) as argv arrays, never through a shell.
 * One interface so the appliance logic can be exercised with a recorder, while integration tests run
 * the real commands.
 */
import { execFile } from 'node:child_process';
import { CommandError } from './errors.ts';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  input?: string;
  /** When false, a non-zero exit is returned instead of thrown. Default true. */
  check?: boolean;
}

export interface CommandRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

export const systemCommandRunner: CommandRunner = {
  run(command, args, options = {}) {
    return new Promise((resolve, reject) => {
      const child = execFile(
        command,
        [...args],
        {
          env: options.env === undefined ? process.env : { ...process.env, ...options.env },
          cwd: options.cwd,
          timeout: options.timeoutMs ?? 120_000,
          maxBuffer: 64 * 1024 * 1024,
          encoding: 'utf8',
        },
        (error, stdout, stderr) => {
          const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          if (error !== null && typeof error.code !== 'number') {
            // spawn failure (ENOENT) or timeout: no exit code to report.
            if (options.check === false) return resolve({ exitCode: -1, stdout, stderr: stderr || error.message });
            return reject(new CommandError([command, ...args], null, stderr || error.message));
          }
          if (exitCode !== 0 && options.check !== false) return reject(new CommandError([command, ...args], exitCode, stderr));
          resolve({ exitCode, stdout, stderr });
        },
      );
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  },
};
