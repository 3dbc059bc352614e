#!/usr/bin/env bash
# Packer post-processor (one-apps packer/postprocess.sh semantics): disable the root password, reset the
# hostname and machine-id, drop host keys and resolv.conf, then sparsify the disk in place. Both tools
# boot a libguestfs appliance VM that can hang (no KVM, a stuck qemu): each is bounded.
set -euo pipefail

disk="${OUTPUT_DIR}/${APPLIANCE_NAME}.qcow2"
timeout --kill-after=60 "${POSTPROCESS_TIMEOUT:-1800}" virt-sysprep --add "${disk}" \
  --root-password disabled \
  --hostname localhost.localdomain \
  --run-command 'truncate -s 0 /etc/machine-id' \
  --delete /etc/resolv.conf \
  --operations defaults,-lvm-uuids
timeout --kill-after=60 "${POSTPROCESS_TIMEOUT:-1800}" virt-sparsify --in-place "${disk}"
