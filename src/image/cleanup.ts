/**
 * One-apps style post-processing, done on the root filesystem directory before it is packed (so no
 * virt-sysprep is needed): every clone gets its own machine-id, SSH host keys and random seed; no
 * logs, shell history, apt lists or temp files from the build ship; root has no password.
 */
import { lstat, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths (relative to the rootfs) removed outright; a trailing `/*` empties a directory. */
export const removedPaths = [
  'etc/ssh/ssh_host_*',
  'var/lib/apt/lists/*',
  'var/cache/apt/*',
  'var/cache/debconf/*-old',
  'var/lib/systemd/random-seed',
  'var/lib/dbus/machine-id',
  'var/log/journal/*',
  'root/.bash_history',
  'etc/resolv.conf',
  'etc/udev/rules.d/70-persistent-net.rules',
  'tmp/*',
  'var/tmp/*',
] as const;

export async function cleanRootfs(rootfs: string): Promise<string[]> {
  const removed: string[] = [];
  for (const pattern of removedPaths) {
    const slash = pattern.lastIndexOf('/');
    const dir = join(rootfs, pattern.slice(0, slash));
    const leaf = pattern.slice(slash + 1);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!globMatch(leaf, name)) continue;
      // keep apt's lock and partial/ directories: apt recreates everything else.
      if (pattern.startsWith('var/lib/apt/lists') && (name === 'lock' || name === 'partial')) continue;
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(join(pattern.slice(0, slash), name));
    }
  }
  // An empty (not missing) machine-id makes systemd generate a new one on first boot.
  await writeFile(join(rootfs, 'etc/machine-id'), '');
  await truncateLogs(join(rootfs, 'var/log'));
  return removed;
}

async function truncateLogs(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await truncateLogs(path);
    else if (entry.isFile() && (await lstat(path)).size > 0) await truncate(path, 0);
  }
}

export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}
