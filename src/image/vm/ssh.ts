/**
 * SSH into the test VM as root with a key generated for this test run only; host keys are not
 * checked (each boot of a fresh clone regenerates them) and nothing is written to ~/.ssh.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLogged } from '../run-logged.ts';

export interface SshKey {
  privateKey: string;
  publicKey: string;
}

export async function generateSshKey(dir: string, log: string): Promise<SshKey> {
  const privateKey = join(dir, 'id_ed25519');
  await runLogged('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slm-copilot-image-test', '-f', privateKey], {
    log,
    timeoutMs: 30_000,
  });
  return { privateKey, publicKey: (await readFile(`${privateKey}.pub`, 'utf8')).trim() };
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Ssh {
  readonly #key: SshKey;
  readonly #port: number;

  constructor(key: SshKey, port: number) {
    this.#key = key;
    this.#port = port;
  }

  run(command: string, timeoutMs = 60_000): Promise<SshResult> {
    const args = [
      '-i',
      this.#key.privateKey,
      '-p',
      String(this.#port),
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
      '-o',
      'ConnectTimeout=10',
      '-o',
      'IdentitiesOnly=yes',
      'root@127.0.0.1',
      command,
    ];
    return new Promise((resolve) => {
      execFile('ssh', args, { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 255;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs a command that must succeed; returns its stdout. */
  async check(command: string, timeoutMs = 60_000): Promise<string> {
    const r = await this.run(command, timeoutMs);
    if (r.code !== 0) throw new Error(`ssh "${command}" exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }
}
