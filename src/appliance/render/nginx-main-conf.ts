/**
 * nginx.conf for sandbox mode (`slm-copilot up`, tests): a private nginx run with `-p/-c`, every
 * pid/log/temp path inside the root, in the foreground so it stays a child process.
 */

export interface NginxMainInput {
  pidFile: string;
  errorLog: string;
  tempDir: string;
  siteFile: string;
  /** Running as root: workers need a user; the sandbox tree is private (0700), so they stay root. */
  runAsRoot: boolean;
  /** Dynamic modules to load (the scale-out edge's njs), as absolute .so paths. */
  loadModules?: readonly string[];
}

export function renderNginxMainConf(input: NginxMainInput): string {
  const temp = (name: string) => `${input.tempDir}/${name}`;
  return [
    '# SLM-Copilot sandbox nginx. Written by `slm-copilot up`; not used on the appliance VM.',
    ...(input.loadModules ?? []).map((m) => `load_module ${m};`),
    ...(input.runAsRoot ? ['user root root;'] : []),
    'daemon off;',
    'worker_processes 1;',
    `pid ${input.pidFile};`,
    `error_log ${input.errorLog} warn;`,
    '',
    'events {',
    '    worker_connections 512;',
    '}',
    '',
    'http {',
    '    default_type application/octet-stream;',
    '    sendfile on;',
    '    access_log off;',
    `    client_body_temp_path ${temp('body')};`,
    `    proxy_temp_path ${temp('proxy')};`,
    `    fastcgi_temp_path ${temp('fastcgi')};`,
    `    uwsgi_temp_path ${temp('uwsgi')};`,
    `    scgi_temp_path ${temp('scgi')};`,
    `    include ${input.siteFile};`,
    '}',
    '',
  ].join('\n');
}
