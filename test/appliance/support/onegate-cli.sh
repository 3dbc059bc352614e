#!/bin/sh
# Stand-in for one-context's `onegate` CLI (Ruby, shipped in the one-context package, which is not
# installable here), for `onegate vm update --data "K=V"` only. Like the real one it takes
# ONEGATE_ENDPOINT, VMID and TOKENTXT from its environment and sends them as X-ONEGATE-* headers: run
# without TOKENTXT (a one-context hook that did not source one_env) it sends no token, and OneGate
# answers 401. CURL: the curl to use (a test may run it with curl off PATH).
if [ "${1:-}" != vm ] || [ "${2:-}" != update ] || [ "${3:-}" != --data ] || [ $# -ne 4 ]; then
  echo "onegate stand-in: only 'vm update --data K=V' is supported" >&2
  exit 2
fi
exec "${CURL:-curl}" -sS --fail -X PUT -H "X-ONEGATE-TOKEN: ${TOKENTXT:-}" -H "X-ONEGATE-VMID: ${VMID:-}" \
  --data-binary "$4" "${ONEGATE_ENDPOINT:?ONEGATE_ENDPOINT is not set}/vm"
