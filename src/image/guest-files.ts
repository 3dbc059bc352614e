/**
 * Files the image builder adds to the guest root filesystem besides Debian's packages: boot loader
 * config, fstab, a DHCP fallback network, SSH host key regeneration. Pure renderers; the builder
 * writes them into the rootfs before it is packed into the disk.
 */

export interface BootConfig {
  /** ext4 UUID of the root filesystem. */
  rootUuid: string;
}

/**
 * Kernel command line. `block.events_dfl_poll_msecs` makes the kernel poll the CD-ROM for media
 * changes, so swapping the CONTEXT CD raises the udev change event contextualization listens to.
 */
export const kernelCmdline = 'console=tty0 console=ttyS0,115200n8 block.events_dfl_poll_msecs=2000';

export function renderGrubCfg(config: BootConfig): string {
  return `# Written by slm-copilot image build; \`update-grub\` (e.g. on a kernel upgrade) regenerates it
# from /etc/default/grub with the same settings.
set timeout=1
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
search --no-floppy --fs-uuid --set=root ${config.rootUuid}
menuentry 'SLM-Copilot (Debian 12)' {
  linux /vmlinuz root=UUID=${config.rootUuid} ro ${kernelCmdline}
  initrd /initrd.img
}
`;
}

/** grub-mkimage's embedded config: find the root filesystem by UUID, then load the normal config. */
export function renderGrubEarlyCfg(config: BootConfig): string {
  return `search.fs_uuid ${config.rootUuid} root
set prefix=($root)/boot/grub
`;
}

export function renderDefaultGrub(): string {
  return `GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=SLM-Copilot
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="${kernelCmdline}"
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
`;
}

export function renderFstab(config: BootConfig): string {
  return `UUID=${config.rootUuid} / ext4 defaults,errors=remount-ro 0 1\n`;
}

/**
 * DHCP on any Ethernet NIC, for the cases where contextualization does not configure the network.
 * Named `zz-` so networkd picks any file written by one-context (sorted earlier) first.
 */
export function renderDhcpNetwork(): string {
  return `[Match]
Name=en* eth*

[Network]
DHCP=yes
`;
}

/** Host keys are deleted from the image; every clone regenerates its own on first boot. */
export function renderSshHostKeysUnit(): string {
  return `[Unit]
Description=Generate SSH host keys removed from the appliance image
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
`;
}

export function renderHosts(): string {
  return `127.0.0.1 localhost localhost.localdomain
::1 localhost ip6-localhost ip6-loopback
`;
}
