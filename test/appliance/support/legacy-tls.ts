/**
 * TLS 1.0/1.1 handshakes with the openssl CLI, to show that an edge refuses them. A refusal only means
 * something when the client could have succeeded: Debian's default security level keeps openssl (and curl)
 * from offering TLS < 1.2 at all, so the client runs at security level 0, and a control server that accepts
 * exactly these versions proves it really speaks them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../../src/lib/free-port.ts';
import { localhostCertificate } from '../../../src/lib/localhost-certificate.ts';

export type LegacyTlsVersion = 'TLSv1' | 'TLSv1.1';

/** Lets openssl offer and accept the SHA-1 suites and protocol versions that level 1 and above forbid. */
const ANY_CIPHER = 'DEFAULT:@SECLEVEL=0';

export interface HandshakeOutcome {
  /** openssl s_client's exit code: 0 when the handshake completed. */
  code: number | null;
  /** The negotiated version (`Protocol version: …`), when there was one. */
  protocol: string | undefined;
  output: string;
}

interface Finished {
  code: number | null;
  output: string;
}

function collect(child: ChildProcess): Promise<Finished> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** One handshake at exactly `version`; stdin is empty, so s_client closes the connection once it is up. */
export async function legacyHandshake(port: number, version: LegacyTlsVersion): Promise<HandshakeOutcome> {
  const flag = version === 'TLSv1' ? '-tls1' : '-tls1_1';
  const child = spawn(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', flag, '-cipher', ANY_CIPHER, '-brief'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    const { code, output } = await collect(child);
    return { code, protocol: /^Protocol version: (\S+)$/m.exec(output)?.[1], output };
  } finally {
    clearTimeout(timer);
  }
}

export interface LegacyTlsServer {
  port: number;
  close(): Promise<void>;
}

/** An openssl s_server that accepts only TLS 1.0 and 1.1, with a throwaway certificate made in `dir`. */
export async function startLegacyTlsServer(dir: string): Promise<LegacyTlsServer> {
  const cert = join(dir, 'legacy-cert.pem');
  const key = join(dir, 'legacy-key.pem');
  await localhostCertificate(cert, key);
  const port = await freePort();
  // stdin stays an open pipe: s_server stops at end of input.
  const child = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      cert,
      '-key',
      key,
      '-min_protocol',
      'TLSv1',
      '-max_protocol',
      'TLSv1.1',
      '-cipher',
      ANY_CIPHER,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = collect(child);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (chunk.toString().includes('ACCEPT')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    exited.then((f) => reject(new Error(`openssl s_server exited (${f.code}): ${f.output}`)), reject);
  });
  return {
    port,
    async close() {
      child.kill('SIGTERM');
      await exited.catch(() => undefined);
    },
  };
}
