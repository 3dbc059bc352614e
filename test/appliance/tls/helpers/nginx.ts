/**
 * A real nginx (Debian's) in the foreground on a loopback port, serving an ACME webroot on port-80
 * terms: `/.well-known/acme-challenge/` from the webroot, everything else redirected to HTTPS.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACME_CHALLENGE_PREFIX } from '../../../../src/appliance/tls/paths.ts';
import { freePort } from '../../../../src/lib/free-port.ts';
import { type StartedProcess, startProcess } from '../../../../src/lib/process/start-process.ts';

export interface AcmeNginx {
  process: StartedProcess;
  port: number;
  accessLogPath: string;
}

export async function startAcmeNginx(options: { dir: string; webroot: string }): Promise<AcmeNginx> {
  const prefix = options.dir;
  await mkdir(prefix, { recursive: true });
  await chmod(prefix, 0o755);
  const port = await freePort();
  const accessLogPath = join(prefix, 'access.log');
  const conf = `
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log stderr notice;
events { worker_connections 64; }
http {
  access_log ${accessLogPath};
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location ^~ ${ACME_CHALLENGE_PREFIX} {
      root ${options.webroot};
      default_type text/plain;
    }
    location / { return 301 https://$host$request_uri; }
  }
}
`;
  const confPath = join(prefix, 'nginx.conf');
  await writeFile(confPath, conf, { mode: 0o644 });
  const proc = await startProcess('nginx', ['-p', prefix, '-c', confPath, '-e', 'stderr']);
  try {
    await proc.waitForOutput(/start worker process/);
  } catch (error) {
    await proc.stop(); // never leave a half-started server behind
    throw error;
  }
  return { process: proc, port, accessLogPath };
}
