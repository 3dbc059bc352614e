/**
 * The one-apps service entry (/etc/one-appliance/service) and the one-context hooks that call it.
 * packaging/service/ holds these exact texts as reviewed examples (a unit test keeps them in sync).
 */

/**
 * The one-apps entry. Stages hold an exclusive lock (flock, as one-apps' service.sh does): a context change
 * while the boot-time configure/bootstrap still runs waits for it instead of racing it.
 */
export function renderServiceEntry(cliPath: string, lockPath: string): string {
  return `#!/bin/sh
# one-apps service entry for SLM-Copilot. Every stage is implemented by the slm-copilot CLI, which keeps
# /etc/one-appliance/status, the per-stage logs in /var/log/one-appliance/, /etc/motd and the report
# /etc/one-appliance/config. Written by \`slm-copilot install\`.
umask 0077
case "\${1:-}" in
  install|configure|bootstrap) exec flock -w 3600 ${lockPath} ${cliPath} "$@" ;;
  status|report) exec ${cliPath} "$@" ;;
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

/**
 * net-99: READY to OneGate, only after a successful bootstrap. one-context runs hooks with the context
 * variables but not TOKENTXT: the token is only in one_env (loc-16-gen-env), and without it OneGate
 * answers 401. So the hook sources one_env first, as one-apps' own does. Like one-context's own net-99
 * (which this one replaces) it sends with curl when installed (the appliance image has it) and falls
 * back to the onegate CLI; unlike it, curl runs with --fail, so a 401 is retried and reported as a
 * failure instead of passing for READY.
 */
export function renderNet99Hook(statusFile: string, oneEnvPath: string): string {
  return `#!/bin/sh
# one-context hook (last): report READY=YES to OneGate, only when REPORT_READY=YES and bootstrap succeeded.
# TOKENTXT (and VMID, ONEGATE_ENDPOINT) come from one_env: one-context does not pass the token to hooks.
if [ -r ${oneEnvPath} ]; then
  . ${oneEnvPath}
fi
[ "\${REPORT_READY:-}" = "YES" ] || exit 0
[ "$(cat ${statusFile} 2>/dev/null)" = "bootstrap_success" ] || exit 0
if [ -z "\${ONEGATE_ENDPOINT:-}" ]; then
  echo "net-99-report-ready: REPORT_READY=YES but no ONEGATE_ENDPOINT (set TOKEN=YES in the CONTEXT)" >&2
  exit 1
fi
report_ready() {
  if command -v curl >/dev/null 2>&1; then
    curl -sS --fail --max-time 10 -X PUT -H "X-ONEGATE-TOKEN: \${TOKENTXT:-}" -H "X-ONEGATE-VMID: \${VMID:-}" \\
      --data-binary READY=YES "\${ONEGATE_ENDPOINT%/}/vm"
  elif command -v onegate >/dev/null 2>&1; then
    onegate vm update --data READY=YES
  else
    echo "net-99-report-ready: neither curl nor onegate is installed" >&2
    return 1
  fi
}
for attempt in 1 2 3; do
  report_ready && exit 0
  sleep 5
done
exit 1
`;
}
