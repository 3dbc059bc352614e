/**
 * TEST-ONLY stand-in for OpenNebula's contextualization package (one-context), which cannot be
 * installed here. It goes into test images only (`image build --test`), never into a release image,
 * and every file it installs carries `test-stand-in` in its name.
 *
 * It does what one-context does for an appliance: mount the CD labelled CONTEXT, export every
 * variable of its context.sh, write /run/one-context/one_env (TOKENTXT from the CD's token.txt, VMID and
 * ONEGATE_ENDPOINT first, as loc-16-gen-env does), install SSH_PUBLIC_KEY for root, and
 * run the /etc/one-context.d hooks in one-context's order (loc-* then the unprefixed ones then net-*)
 * with the variables in their environment; again at every boot and when the CD changes (udev).
 * Networking: NICs with a static ETHn_IP (matched by ETHn_MAC) get a networkd unit, as one-context
 * configures them; DHCP NICs are left to the image's networkd fallback.
 */

export const standInPaths = {
  script: '/usr/local/sbin/one-context-test-stand-in',
  unit: '/etc/systemd/system/one-context-test-stand-in.service',
  reconfigureUnit: '/etc/systemd/system/one-context-test-stand-in-reconfigure.service',
  udevRule: '/etc/udev/rules.d/65-one-context-test-stand-in.rules',
  /**
   * one-context configures static NICs before networkd starts; the stand-in only after
   * network-online.target. Until then such a NIC falls under the image's DHCP fallback, where nothing
   * answers, and the default wait-online would hold boot for its 2-minute timeout: any one link online
   * is enough here.
   */
  waitOnlineDropIn: '/etc/systemd/system/systemd-networkd-wait-online.service.d/test-stand-in-any.conf',
  /** Each completed run appends `<run number> <stage> <sha256 of context.sh>` here. */
  runLog: '/run/one-context-test-stand-in/runs',
} as const;

export function renderStandInScript(): string {
  return `#!/bin/bash
# TEST-ONLY stand-in for one-context (slm-copilot image test). Never installed in release images.
# Usage: one-context-test-stand-in boot|reconfigure
set -u
stage="\${1:-boot}"
state=/run/one-context-test-stand-in
export MOUNT_DIR="$state/mnt" RUNTIME_DIR=/run/one-context LANG=C LC_ALL=C
mkdir -p "$MOUNT_DIR" "$RUNTIME_DIR"
chmod 0700 "$RUNTIME_DIR"
exec 9>"$state/lock"
flock 9

dev=""
for _ in $(seq 1 30); do
  dev=$(blkid -L CONTEXT 2>/dev/null || true)
  [ -n "$dev" ] && break
  sleep 1
done
if [ -z "$dev" ]; then echo "stand-in: no CONTEXT CD"; exit 0; fi
mount -o ro "$dev" "$MOUNT_DIR" || { echo "stand-in: cannot mount $dev"; exit 1; }
cp "$MOUNT_DIR/context.sh" "$RUNTIME_DIR/context.sh.new"
# OpenNebula puts the OneGate token on the CD only (TOKEN=YES); like loc-16-gen-env, read it from there.
tokentxt=""
[ -f "$MOUNT_DIR/token.txt" ] && tokentxt=$(cat "$MOUNT_DIR/token.txt")
umount "$MOUNT_DIR"

new_sum=$(sha256sum "$RUNTIME_DIR/context.sh.new" | cut -d' ' -f1)
if [ "$stage" = reconfigure ] && [ -f "$RUNTIME_DIR/context.sh.network" ] \\
   && [ "$(sha256sum "$RUNTIME_DIR/context.sh.network" | cut -d' ' -f1)" = "$new_sum" ]; then
  echo "stand-in: context unchanged"; exit 0
fi
mv "$RUNTIME_DIR/context.sh.new" "$RUNTIME_DIR/context.sh.network"

set -a
. "$RUNTIME_DIR/context.sh.network"
set +a

# Static NICs as one-context configures them (ETHn_METHOD empty or static, matched by ETHn_MAC): one
# networkd unit each, ahead of the image's DHCP fallback. DHCP NICs stay with the fallback.
static_addrs=()
for macvar in $(compgen -v | grep -E '^ETH[0-9]+_MAC$'); do
  nic="\${macvar%_MAC}"
  addrvar="\${nic}_IP"; maskvar="\${nic}_MASK"; methodvar="\${nic}_METHOD"
  addr="\${!addrvar:-}"; mac="\${!macvar,,}"; method="\${!methodvar:-static}"
  { [ -n "$addr" ] && [ "$method" = static ]; } || continue
  prefix=0
  for o in $(echo "\${!maskvar:-255.255.255.0}" | tr . ' '); do
    while [ "$o" -gt 0 ]; do prefix=$((prefix + (o & 1))); o=$((o >> 1)); done
  done
  mkdir -p /run/systemd/network
  printf '[Match]\\nMACAddress=%s\\n\\n[Link]\\nRequiredForOnline=no\\n\\n[Network]\\nAddress=%s/%s\\nLinkLocalAddressing=no\\nConfigureWithoutCarrier=yes\\n' \\
    "$mac" "$addr" "$prefix" > "/run/systemd/network/10-one-context-test-stand-in-\${nic,,}.network"
  static_addrs+=("$addr")
  echo "stand-in: $nic ($mac) $addr/$prefix"
done
if [ "\${#static_addrs[@]}" -gt 0 ]; then
  networkctl reload
  for dev in /sys/class/net/*; do networkctl reconfigure "$(basename "$dev")" 2>/dev/null || true; done
  for addr in "\${static_addrs[@]}"; do
    for _ in $(seq 1 30); do ip -o addr show | grep -q " inet $addr/" && break; sleep 1; done
  done
fi

# one_env: export VAR="value" for every context variable (parsed as data by the appliance).
vars=$(grep -oE '^[A-Za-z_][A-Za-z0-9_]*=' "$RUNTIME_DIR/context.sh.network" | tr -d '=' | sort -u)
umask 0277
{
  # TOKENTXT is only here, never in the hooks' environment (as with one-context).
  TOKENTXT="$tokentxt"
  for v in TOKENTXT VMID ONEGATE_ENDPOINT $vars; do
    val="\${!v:-}"
    val="\${val//\\\\/\\\\\\\\}"; val="\${val//\\"/\\\\\\"}"; val="\${val//\\$/\\\\\\$}"; val="\${val//\\\`/\\\\\\\`}"
    printf 'export %s="%s"\\n' "$v" "$val"
  done
} > "$RUNTIME_DIR/one_env.new"
mv "$RUNTIME_DIR/one_env.new" "$RUNTIME_DIR/one_env"
umask 0022

if [ -n "\${SSH_PUBLIC_KEY:-}" ]; then
  install -d -m 0700 /root/.ssh
  printf '%s\\n' "$SSH_PUBLIC_KEY" > /root/.ssh/authorized_keys
  chmod 0600 /root/.ssh/authorized_keys
fi

shopt -s nullglob
hooks=()
for h in /etc/one-context.d/loc-*; do hooks+=("$h"); done
for h in /etc/one-context.d/*; do case "$(basename "$h")" in loc-*|net-*) ;; *) hooks+=("$h");; esac; done
for h in /etc/one-context.d/net-*; do hooks+=("$h"); done
for h in "\${hooks[@]}"; do
  [ -x "$h" ] || continue
  echo "stand-in: running $h"
  "$h" network "$stage" || echo "stand-in: $h exited $?"
done
runs=$(( $(wc -l < "$state/runs" 2>/dev/null || echo 0) + 1 ))
echo "$runs $stage $new_sum" >> "$state/runs"
echo "stand-in: $stage run $runs done"
`;
}

export function renderStandInUnit(): string {
  return `[Unit]
Description=TEST-ONLY one-context stand-in (slm-copilot image test; not in release images)
Wants=network-online.target
After=network-online.target multi-user.target

[Service]
Type=oneshot
ExecStart=${standInPaths.script} boot
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
`;
}

export function renderStandInReconfigureUnit(): string {
  return `[Unit]
Description=TEST-ONLY one-context stand-in: re-run on CONTEXT CD change
After=one-context-test-stand-in.service

[Service]
Type=oneshot
ExecStart=${standInPaths.script} reconfigure
`;
}

export function renderStandInWaitOnlineDropIn(): string {
  return `# TEST-ONLY (slm-copilot image test): static NICs are configured later by the stand-in.
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any
`;
}

export function renderStandInUdevRule(): string {
  return `# TEST-ONLY (slm-copilot image test): re-contextualize when the CONTEXT CD changes, like one-context.
SUBSYSTEM=="block", ACTION=="change", KERNEL=="sr[0-9]*", ENV{ID_CDROM_MEDIA}=="1", RUN+="/usr/bin/systemctl --no-block start one-context-test-stand-in-reconfigure.service"
`;
}
