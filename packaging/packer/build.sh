#!/usr/bin/env bash
# Usage: packer/build.sh <release.tar.gz> <model.gguf> <base debian12.qcow2> [output dir]
# Runs the Packer recipe (KVM), compresses the result like one-apps, and writes the manifest the
# marketplace YAML is filled from (slm-copilot image marketplace --manifest … --url …).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
release=$(readlink -f "$1"); model=$(readlink -f "$2"); base=$(readlink -f "$3"); out=$(readlink -f "${4:-$here/../../build/packer}")
name=service_SlmCopilot
version=$(tar -xzOf "$release" --wildcards '*/VERSION' | head -1)

packer init "$here/$name"
packer build -force \
  -var "appliance_name=$name" -var "version=$version" \
  -var "input_dir=$here/$name" -var "output_dir=$out/$name" \
  -var "base_image=$base" -var "release_tarball=$release" -var "model_file=$model" \
  "$here/$name"
qemu-img convert -c -O qcow2 "$out/$name/$name.qcow2" "$out/$name.qcow2"
rm -rf "${out:?}/$name"
echo "image: $out/$name.qcow2"
