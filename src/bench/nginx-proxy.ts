/**
 * A minimal nginx TLS reverse proxy for the edge row, used when the appliance's own sandbox is not
 * available. It has only what matters to latency: TLS 1.2/1.3 with an ECDSA P-256 certificate,
 * HTTP/1.1 keep-alive upstream, no proxy buffering. It runs as the current user on a loopback port.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../lib/free-port.ts';
import { localhostCertificate } from '../lib/localhost-certificate.ts';
import { startProcess } from '../lib/process/start-process.ts';
import { waitUntil } from '../lib/process/wait-until.ts';
import { trackChild } from './child-process.ts';

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

export interface NginxLaunch {
  nginxBinary: string;
  prefixDir: string;
  confFile: string;
  /** Extra `-g` directives (the bench's own config leaves `daemon off` to the command line). */
  globals?: string;
  listenPort: number;
  ca: string;
  label: string;
}

/** Starts nginx in the foreground as a child and waits until its TLS port accepts connections. */
export async function launchNginx(launch: NginxLaunch): Promise<TlsProxy> {
  const args = ['-p', launch.prefixDir, '-c', launch.confFile, '-e', 'stderr'];
  if (launch.globals !== undefined) args.push('-g', launch.globals);
  const proc = await startProcess(launch.nginxBinary, args, { name: 'nginx' });
  // SIGTERM = fast shutdown; the benchmark has no request in flight when it stops the proxy.
  const stop = async () => {
    untrack();
    await proc.stop({ graceMs: 5000 });
  };
  const untrack = trackChild(stop);
  try {
    await waitUntil(`nginx to accept connections on port ${launch.listenPort}`, () => canConnect(launch.listenPort), {
      timeoutMs: 15_000,
      intervalMs: 100,
      signal: proc.exitSignal,
      state: () => proc.output().slice(-4000),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl: `https://127.0.0.1:${launch.listenPort}`, ca: launch.ca, pid: proc.pid, label: launch.label, stop };
}

/** The fallback edge: the minimal config above, when the appliance's renderers cannot be used. */
export async function startTlsProxy(dir: string, upstreamPort: number, nginxBinary = 'nginx'): Promise<TlsProxy> {
  await mkdir(path.join(dir, 'tmp'), { recursive: true, mode: 0o700 });
  const ca = await localhostCertificate(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
  const listenPort = await freePort();
  const confFile = path.join(dir, 'nginx.conf');
  await writeFile(confFile, renderProxyConfig(dir, listenPort, upstreamPort), { mode: 0o600 });
  return launchNginx({
    nginxBinary,
    prefixDir: dir,
    confFile,
    globals: 'daemon off;',
    listenPort,
    ca,
    label: 'minimal nginx TLS proxy (bench-own config, not the appliance site)',
  });
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
