#!/usr/bin/env bash
# Usage: packaging/packer/manifest.sh <image.qcow2>   (VERSION and RELEASE from the environment)
# Writes <image>.yaml beside the image, in the shape of one-apps' packer/manifest.sh (name, version
# <VERSION>-<RELEASE>-YYYYMMDD, image, format, creation_time, os-*), plus what the marketplace image block
# needs: size (virtual bytes), file_size, sha256, md5. `slm-copilot image marketplace --manifest` reads it.
set -euo pipefail

dst=${1:-}
[[ -n "$dst" ]] || { echo "usage: $0 <image.qcow2>" >&2; exit 2; }
[[ -f "$dst" ]] || { echo "$0: not a file: $dst" >&2; exit 2; }
: "${VERSION:?VERSION must be set (e.g. 0.1.0)}"
: "${RELEASE:?RELEASE must be set (e.g. 1)}"

base=$(basename "$dst" .qcow2)
size=$(qemu-img info --output=json "$dst" | sed -n 's/^ *"virtual-size": *\([0-9][0-9]*\).*/\1/p' | head -n 1)
[[ -n "$size" ]] || { echo "$0: qemu-img info gave no virtual size for $dst" >&2; exit 1; }

# The OS fields are best effort (libguestfs boots an appliance VM): bounded, and empty when unavailable.
os_id=''
os_release=''
if command -v virt-cat >/dev/null && osrel=$(timeout 600 virt-cat -a "$dst" /etc/os-release 2>/dev/null); then
  os_id=$(printf '%s\n' "$osrel" | sed -n 's/^NAME=//p' | tr -d '"')
  os_release=$(printf '%s\n' "$osrel" | sed -n 's/^VERSION_ID=//p' | tr -d '"')
fi

cat >"${dst%.qcow2}.yaml" <<YAML
name: ${base#service_}
version: ${VERSION}-${RELEASE}-$(date -u +%Y%m%d)
image: $(basename "$dst")
format: qcow2
size: $size
file_size: $(stat -c %s "$dst")
sha256: $(sha256sum "$dst" | cut -d ' ' -f 1)
md5: $(md5sum "$dst" | cut -d ' ' -f 1)
creation_time: $(stat -c %Y "$dst")
os-id: '$os_id'
os-release: '$os_release'
os-arch: x86_64
YAML
echo "manifest: ${dst%.qcow2}.yaml"
