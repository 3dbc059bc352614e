#!/usr/bin/env bash
# Build VM only: allow Packer's root password login; 82-configure-context.sh restores key-only login.
set -euo pipefail

sed -i -e 's/^#\?PermitRootLogin.*/PermitRootLogin yes/' -e 's/^#\?PasswordAuthentication.*/PasswordAuthentication yes/' /etc/ssh/sshd_config
systemctl reload ssh || systemctl reload sshd
