/**
 * Stage 2 of the image build: the Debian 12 root filesystem, made by mmdebstrap from this machine's
 * mirror, with our files laid over it and the appliance `install` stage run inside it (chroot), as
 * one-apps runs `service install` in its Packer build VM.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  renderStandInReconfigureUnit,
  renderStandInScript,
  renderStandInUdevRule,
  renderStandInUnit,
  renderStandInWaitOnlineDropIn,
  standInPaths,
} from './context-stand-in.ts';
import { renderDefaultGrub, renderDhcpNetwork, renderHosts, renderSshHostKeysUnit } from './guest-files.ts';
import { debianSuite } from './package-set.ts';
import { runLogged } from './run-logged.ts';

export interface RootfsOptions {
  rootfs: string;
  scratch: string;
  log: string;
  mirrorLines: readonly string[];
  include: readonly string[];
  releaseDir: string;
  model: { path: string; file: string; yaml: string };
  contextDeb: string | undefined;
  /** Test images get the one-context stand-in; release images never do. */
  kind: 'release' | 'test';
  /** Receives `package=version` lines of the finished rootfs. */
  packagesOut: string;
  sourceDateEpoch: number;
  timeoutMs: number;
}

const hostKeysUnit = 'slm-copilot-ssh-hostkeys.service';
const dhcpNetwork = '/etc/systemd/network/zz-slm-copilot-dhcp.network';

/** Files laid over the rootfs before `install` runs, as path → [content, mode]. */
export function overlayFiles(kind: 'release' | 'test'): Map<string, [string, number]> {
  const files = new Map<string, [string, number]>([
    ['/etc/default/grub', [renderDefaultGrub(), 0o644]],
    [dhcpNetwork, [renderDhcpNetwork(), 0o644]],
    [`/etc/systemd/system/${hostKeysUnit}`, [renderSshHostKeysUnit(), 0o644]],
    ['/etc/hosts', [renderHosts(), 0o644]],
    ['/etc/hostname', ['localhost.localdomain\n', 0o644]],
  ]);
  if (kind === 'test') {
    files.set(standInPaths.script, [renderStandInScript(), 0o755]);
    files.set(standInPaths.unit, [renderStandInUnit(), 0o644]);
    files.set(standInPaths.reconfigureUnit, [renderStandInReconfigureUnit(), 0o644]);
    files.set(standInPaths.udevRule, [renderStandInUdevRule(), 0o644]);
    files.set(standInPaths.waitOnlineDropIn, [renderStandInWaitOnlineDropIn(), 0o644]);
  }
  return files;
}

export function unitsToEnable(kind: 'release' | 'test'): string[] {
  return ['systemd-networkd.service', hostKeysUnit, ...(kind === 'test' ? ['one-context-test-stand-in.service'] : [])];
}

/** Paths reach the hook script as shell words; ours never need quoting, and anything else is refused. */
function shellWord(value: string): string {
  if (!/^[A-Za-z0-9_./+=:@-]+$/.test(value)) throw new Error(`unsupported characters in build path: ${value}`);
  return value;
}

export function renderCustomizeScript(
  options: Pick<RootfsOptions, 'releaseDir' | 'model' | 'contextDeb' | 'kind' | 'packagesOut'> & { overlay: string },
): string {
  const lines = [
    '#!/bin/sh',
    '# mmdebstrap customize hook written by slm-copilot image build; $1 is the root filesystem.',
    'set -eu',
    'root="$1"',
    `cp -a ${shellWord(options.overlay)}/. "$root"/`,
    `cp -a ${shellWord(options.releaseDir)} "$root/opt/slm-copilot"`,
    'ln -sfn /opt/slm-copilot/bin/slm-copilot "$root/usr/local/bin/slm-copilot"',
    'mkdir -p "$root/models"',
    `cp ${shellWord(options.model.path)} "$root/models/${shellWord(options.model.file)}"`,
    `chroot "$root" systemctl enable ${unitsToEnable(options.kind).join(' ')}`,
  ];
  if (options.contextDeb !== undefined) {
    lines.push(
      `cp ${shellWord(options.contextDeb)} "$root/tmp/one-context.deb"`,
      'chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/one-context.deb',
      'rm -f "$root/tmp/one-context.deb"',
    );
  }
  lines.push(
    '# The appliance install stage (one-apps runs `service install` at build time too). No systemd runs in',
    '# this chroot; the controller skips daemon-reload there and `systemctl enable` works offline.',
    'chroot "$root" env LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /opt/slm-copilot/bin/slm-copilot install',
    'chroot "$root" usermod -p "*" root',
    // grub-pc upgrades inside the VM must reinstall to the boot disk.
    'echo "grub-pc grub-pc/install_devices multiselect /dev/vda" | chroot "$root" debconf-set-selections',
    `chroot "$root" dpkg-query -W -f '\${Package}=\${Version}\\n' > ${shellWord(options.packagesOut)}`,
  );
  return `${lines.join('\n')}\n`;
}

export async function buildRootfs(options: RootfsOptions): Promise<void> {
  const overlay = join(options.scratch, 'overlay');
  for (const [path, [content, mode]] of overlayFiles(options.kind)) {
    const target = join(overlay, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    await chmod(target, mode);
  }
  await mkdir(join(overlay, 'models'), { recursive: true });
  await writeFile(join(overlay, 'models', options.model.file.replace(/\.gguf$/, '.yaml')), options.model.yaml);
  const hook = join(options.scratch, 'customize.sh');
  await writeFile(hook, renderCustomizeScript({ ...options, overlay }), { mode: 0o755 });
  await mkdir(dirname(options.rootfs), { recursive: true });
  await runLogged(
    'mmdebstrap',
    [
      '--mode=root',
      '--variant=apt',
      '--format=directory',
      `--include=${options.include.join(',')}`,
      '--aptopt=Acquire::Retries "3"',
      // Documentation and translations only cost space in an appliance; copyright files stay.
      '--dpkgopt=path-exclude=/usr/share/doc/*',
      '--dpkgopt=path-include=/usr/share/doc/*/copyright',
      '--dpkgopt=path-exclude=/usr/share/man/*',
      '--dpkgopt=path-exclude=/usr/share/locale/*',
      `--customize-hook=${hook} "$1"`,
      debianSuite,
      options.rootfs,
      ...options.mirrorLines,
    ],
    {
      log: options.log,
      timeoutMs: options.timeoutMs,
      env: { SOURCE_DATE_EPOCH: String(options.sourceDateEpoch), DEBIAN_FRONTEND: 'noninteractive' },
    },
  );
}
