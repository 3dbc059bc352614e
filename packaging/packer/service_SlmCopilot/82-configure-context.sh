#!/usr/bin/env bash
# one-context runs executable hooks only: net-90 (`service configure && service bootstrap`) and net-99
# (READY through OneGate), written by the appliance install stage, get one-apps' mode.
set -euo pipefail

for hook in /etc/one-context.d/net-90-service-appliance /etc/one-context.d/net-99-report-ready; do
  [[ -f $hook ]] || { echo "82-configure-context: $hook missing (did the install stage run?)" >&2; exit 1; }
  chmod u=rwx,go=rx "$hook"
done
sync
