/**
 * The Debian package set of the appliance image, and the lock file that pins it: every build records
 * `package=version` for everything installed; `--packages-lock` feeds such a list back so a rebuild
 * installs exactly the same versions (or fails loudly when the mirror no longer has one).
 */

export const debianSuite = 'bookworm';

/** Installed on top of Debian's essential set (mmdebstrap --variant=apt). */
export const imagePackages = [
  'linux-image-cloud-amd64',
  'initramfs-tools',
  'grub-pc',
  'systemd-sysv',
  'udev',
  'dbus',
  'kmod',
  'iproute2',
  'openssh-server',
  'nginx',
  // njs: the scale-out edge's conversation route key (Debian loads it through modules-enabled).
  'libnginx-mod-http-js',
  'openssl',
  'certbot',
  'ca-certificates',
  'curl',
  'procps',
  'less',
  'e2fsprogs',
  'util-linux',
  'sudo',
] as const;

/** Parses `package=version` lines (blank lines and # comments ignored). */
export function parsePackageLock(text: string): Map<string, string> {
  const lock = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z0-9][a-z0-9+.:-]*)=([A-Za-z0-9.+~:-]+)$/.exec(line);
    if (m === null) throw new Error(`package lock: cannot parse "${line}" (want package=version)`);
    lock.set(m[1]!, m[2]!);
  }
  return lock;
}

export function renderPackageLock(packages: ReadonlyMap<string, string>): string {
  return `${[...packages]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, v]) => `${p}=${v}`)
    .join('\n')}\n`;
}

/** mmdebstrap --include list: the image packages, pinned to the lock's versions when a lock is given. */
export function includeList(lock: ReadonlyMap<string, string> | undefined): string[] {
  if (lock === undefined) return [...imagePackages];
  const missing = imagePackages.filter((p) => !lock.has(p));
  if (missing.length > 0) throw new Error(`package lock lacks ${missing.join(', ')}`);
  return [...lock].map(([p, v]) => `${p}=${v}`);
}
