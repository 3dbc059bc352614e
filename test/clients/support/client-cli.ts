/**
 * The real client CLIs (test/clients/package.json, installed by tools/setup.sh) and the environment they
 * run in: built from nothing rather than inherited, so no NODE_TLS_REJECT_UNAUTHORIZED, NODE_EXTRA_CA_CERTS,
 * proxy or CI variable of the test runner's can change what the client trusts or where it connects.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

const BIN_DIR = new URL('../node_modules/.bin/', import.meta.url).pathname;

export type ClientName = 'cline' | 'cn';

/** Absolute path of a client's command; an error telling how to install it when it is missing. */
export function clientBin(name: ClientName): string {
  const path = `${BIN_DIR}${name}`;
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`bash tools/setup.sh\` (it installs test/clients)`);
  return path;
}

/**
 * A clean environment with `home` as HOME (so no user setting or session leaks in or out). Node is the
 * project's Node 24, first on PATH: both CLIs start through a `#!/usr/bin/env node` script.
 */
export function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${BIN_DIR.slice(0, -1)}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    LANG: 'C.UTF-8',
    ...extra,
  };
}
