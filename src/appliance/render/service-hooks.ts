/**
 * The one-apps service entry (/etc/one-appliance/service) and the one-context hooks that call it.
 * packaging/service/ holds these exact texts as reviewed examples (a unit test keeps them in sync).
 */

export function renderServiceEntry(cliPath: string): string {
  return `#!/bin/sh
# one-apps service entry for SLM-Copilot. Every stage is implemented by the slm-copilot CLI, which keeps
# /etc/one-appliance/status, the per-stage logs in /var/log/one-appliance/ and the report
# /etc/one-appliance/config. Written by \`slm-copilot install\`.
umask 0077
case "\${1:-}" in
  install|configure|bootstrap|status|report) exec ${cliPath} "$@" ;;
  help) exec ${cliPath} configure --help ;;
  cleanup) exit 0 ;;
  *) echo "usage: $0 install|configure|bootstrap|status|report|help" >&2; exit 1 ;;
esac
`;
}

/** net-90: configure then bootstrap, at every boot and context change. */
export function renderNet90Hook(serviceEntry: string): string {
  return `#!/bin/sh
# one-context hook (network stage): configure, then bootstrap SLM-Copilot. Re-runs at every boot and
# context change; a failed configure leaves the previous endpoint serving and names the error in
# /etc/one-appliance/config.
[ -x ${serviceEntry} ] || exit 0
${serviceEntry} configure && ${serviceEntry} bootstrap
`;
}

/** net-99: READY to OneGate, only after a successful bootstrap. */
export function renderNet99Hook(statusFile: string): string {
  return `#!/bin/sh
# one-context hook (last): report READY=YES to OneGate, only when bootstrap succeeded.
[ "\${REPORT_READY:-}" = "YES" ] || exit 0
[ "$(cat ${statusFile} 2>/dev/null)" = "bootstrap_success" ] || exit 0
command -v onegate >/dev/null 2>&1 || exit 0
for attempt in 1 2 3; do
  onegate vm update --data READY=YES && exit 0
  sleep 5
done
exit 1
`;
}
