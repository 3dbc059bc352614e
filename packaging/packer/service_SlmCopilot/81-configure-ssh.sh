#!/usr/bin/env bash
# Last provisioner of the build: undo what the build context's start script opened (root password
# login over SSH) and remove what the build left behind. postprocess.sh then disables the root
# password itself, resets machine-id and hostname, and sparsifies the disk.
set -euo pipefail

sshd_config=${SSHD_CONFIG:-/etc/ssh/sshd_config}
set_sshd() { # key value: replace the (possibly commented) setting, or append it
  if grep -qE "^[#[:space:]]*$1[[:space:]]" "$sshd_config"; then
    sed -i -E "s|^[#[:space:]]*$1[[:space:]].*|$1 $2|" "$sshd_config"
  else
    printf '%s %s\n' "$1" "$2" >>"$sshd_config"
  fi
}
set_sshd PasswordAuthentication no
set_sshd PermitRootLogin prohibit-password
set_sshd UseDNS no
sshd -t
# Packer's session survives a reload; new logins already need a key.
systemctl reload ssh || systemctl reload sshd

export DEBIAN_FRONTEND=noninteractive
apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/* /root/.bash_history
# The build context left its copy here; the deployed VM gets its own.
rm -rf /var/run/one-context/* 2>/dev/null || true
sync
