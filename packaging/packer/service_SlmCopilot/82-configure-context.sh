#!/usr/bin/env bash
# Final build step: one-context hooks executable, key-only root SSH again, no build leftovers.
set -euo pipefail

chmod u=rwx,go=rx /etc/one-context.d/net-90-service-appliance /etc/one-context.d/net-99-report-ready
sed -i -e 's/^PermitRootLogin.*/PermitRootLogin prohibit-password/' -e 's/^PasswordAuthentication.*/PasswordAuthentication no/' /etc/ssh/sshd_config
apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*
sync
