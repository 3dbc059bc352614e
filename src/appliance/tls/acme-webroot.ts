/**
 * The ACME webroot shared by certbot (writes challenge tokens) and nginx (serves them on port 80),
 * and a loopback probe that proves nginx really serves it before a CA validation is spent on it
 * (Let's Encrypt allows only a few failed validations per hour).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requestText } from '../../lib/https/request.ts';
import { ACME_CHALLENGE_PREFIX } from './paths.ts';

/** Creates `<webroot>/.well-known/acme-challenge/`, each level 0755 whatever the umask. */
export async function ensureAcmeWebroot(webroot: string): Promise<string> {
  const challengeDir = join(webroot, ACME_CHALLENGE_PREFIX);
  await mkdir(challengeDir, { recursive: true });
  for (const dir of [webroot, join(webroot, '.well-known'), challengeDir]) await chmod(dir, 0o755);
  return challengeDir;
}

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * Writes a random token into the webroot and fetches it from `http://127.0.0.1:<httpPort>` with
 * `Host: <domain>`, as the CA would. Proves nginx serves the webroot for that name; it cannot prove
 * public DNS or firewalls, which only the CA sees.
 */
export async function probeAcmeWebroot(options: {
  webroot: string;
  domain: string;
  httpPort: number;
  host?: string;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  const challengeDir = await ensureAcmeWebroot(options.webroot);
  const token = `slm-copilot-probe-${randomBytes(12).toString('hex')}`;
  const file = join(challengeDir, token);
  const host = options.host ?? '127.0.0.1';
  const url = `http://${host}:${options.httpPort}${ACME_CHALLENGE_PREFIX}${token}`;
  await writeFile(file, token, { mode: 0o644 });
  await chmod(file, 0o644);
  try {
    const { status, body } = await requestText({ url, headers: { host: options.domain }, timeoutMs: options.timeoutMs ?? 5000 });
    if (status === 200 && body.trim() === token) return { ok: true };
    return {
      ok: false,
      reason: `nginx does not serve the ACME webroot ${options.webroot}: ${url} (Host: ${options.domain}) answered HTTP ${status}`,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `nginx does not serve the ACME webroot: ${url} failed (${message})` };
  } finally {
    await rm(file, { force: true });
  }
}
