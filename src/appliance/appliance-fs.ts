/**
 * Every file the appliance reads or writes goes through one ApplianceFs, which maps the logical path
 * (`/etc/slm-copilot/engine.env`) to the real one under an optional `--root` prefix. Tests and
 * `slm-copilot up` run the whole appliance flow in a temporary tree this way.
 */
import { appendFile, chmod, mkdir, readdir, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.ts';

/** Characters allowed in a sandbox root: real paths are rendered into nginx and engine configuration. */
const SAFE_ROOT = /^\/[A-Za-z0-9._/+-]*$/;

/** Why a root directory cannot be used, or undefined when it can. */
export function unsafeRootReason(root: string): string | undefined {
  const abs = resolve(root);
  if (SAFE_ROOT.test(abs)) return undefined;
  return `root directory ${JSON.stringify(abs)} has characters that cannot be used in nginx/systemd paths (allowed: A-Z a-z 0-9 . _ / + -)`;
}

export class ApplianceFs {
  /** '' for the real system, else an absolute directory without trailing slash. */
  readonly root: string;

  constructor(root = '/') {
    const unsafe = unsafeRootReason(root);
    if (unsafe !== undefined) throw new Error(unsafe);
    const abs = resolve(root);
    this.root = abs === '/' ? '' : abs.replace(/\/+$/, '');
  }

  /** The real path of a logical absolute path. */
  real(logical: string): string {
    if (!isAbsolute(logical)) throw new Error(`logical path must be absolute: ${logical}`);
    return this.root === '' ? logical : join(this.root, logical);
  }

  async readText(logical: string): Promise<string | undefined> {
    return readFile(this.real(logical), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
  }

  async size(logical: string): Promise<number | undefined> {
    return stat(this.real(logical)).then(
      (s) => s.size,
      () => undefined,
    );
  }

  /** Permission bits of a file, or undefined when it does not exist. */
  async mode(logical: string): Promise<number | undefined> {
    return stat(this.real(logical)).then(
      (s) => s.mode & 0o7777,
      () => undefined,
    );
  }

  /** Atomic write with an explicit mode; returns whether the file changed. */
  async write(logical: string, content: string, mode: number): Promise<boolean> {
    return writeFileAtomic(this.real(logical), content, { mode, dirMode: 0o755 });
  }

  async mkdir(logical: string, mode: number): Promise<void> {
    const path = this.real(logical);
    await mkdir(path, { recursive: true, mode });
    // mkdir's mode is filtered by umask (0077 under one-apps): set it explicitly.
    await chmod(path, mode);
  }

  async list(logical: string): Promise<string[]> {
    return readdir(this.real(logical)).catch(() => []);
  }

  async remove(logical: string): Promise<void> {
    await rm(this.real(logical), { force: true });
  }

  async append(logical: string, text: string, mode: number): Promise<void> {
    const path = this.real(logical);
    await mkdir(join(path, '..'), { recursive: true, mode: 0o755 });
    await appendFile(path, text, { mode });
    await chmod(path, mode);
  }

  /** Points the logical `link` at `realTarget` (a real path, stored as is). */
  async symlink(realTarget: string, link: string): Promise<boolean> {
    const current = await readlink(this.real(link)).catch(() => undefined);
    if (current === realTarget) return false;
    await rm(this.real(link), { force: true });
    await symlink(realTarget, this.real(link));
    return true;
  }
}
