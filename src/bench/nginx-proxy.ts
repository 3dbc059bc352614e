/**
 * A minimal nginx TLS reverse proxy for the edge row, used when the appliance's own sandbox is not
 * available. It has only what matters to latency: TLS 1.2/1.3 with an ECDSA P-256 certificate,
 * HTTP/1.1 keep-alive upstream, no proxy buffering. It runs as the current user on a loopback port.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, stopProcess, tail, waitUntil } from './child-process.ts';

const run = promisify(execFile);

export interface TlsProxy {
  readonly baseUrl: string;
  /** PEM of the self-signed certificate, to pin as CA in the client. */
  readonly ca: string;
  readonly pid: number;
  readonly label: string;
  stop(): Promise<void>;
}

export function renderProxyConfig(dir: string, listenPort: number, upstreamPort: number): string {
  const p = (name: string) => path.join(dir, name);
  return `worker_processes 1;
pid ${p('nginx.pid')};
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log ${p('access.log')};
  client_body_temp_path ${p('tmp/body')};
  proxy_temp_path ${p('tmp/proxy')};
  fastcgi_temp_path ${p('tmp/fastcgi')};
  uwsgi_temp_path ${p('tmp/uwsgi')};
  scgi_temp_path ${p('tmp/scgi')};
  upstream engine {
    server 127.0.0.1:${upstreamPort};
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${listenPort} ssl;
    ssl_certificate ${p('cert.pem')};
    ssl_certificate_key ${p('key.pem')};
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 32m;
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`;
}

export async function startTlsProxy(dir: string, upstreamPort: number, nginxBinary = 'nginx'): Promise<TlsProxy> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true, mode: 0o700 });
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  const listenPort = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(conf, renderProxyConfig(dir, listenPort, upstreamPort), { mode: 0o600 });
  const child = spawn(nginxBinary, ['-p', dir, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail();
  child.stdout.on('data', (d: Buffer) => output.push(d));
  child.stderr.on('data', (d: Buffer) => output.push(d));
  // nginx stops gracefully on SIGQUIT (finishes open requests), fast on SIGTERM.
  const stop = () => stopProcess(child, 'SIGTERM', 5000);
  try {
    await waitUntil('nginx', () => canConnect(listenPort), child, 15_000, output.text);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    baseUrl: `https://127.0.0.1:${listenPort}`,
    ca: await readFile(path.join(dir, 'cert.pem'), 'utf8'),
    pid: child.pid ?? -1,
    label: 'minimal nginx TLS proxy (bench-own config)',
    stop,
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
