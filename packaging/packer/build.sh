#!/usr/bin/env bash
# Usage: packaging/packer/build.sh <name> <version> <dst>
#   e.g. packaging/packer/build.sh service_SlmCopilot 0.1.0 export/service_SlmCopilot.qcow2
# one-apps' contract: `packer build -force` of packer/<name>/ with the variables appliance_name, version,
# input_dir, output_dir and headless; `qemu-img convert -c` to <dst>; then manifest.sh writes <dst>.yaml.
# What one-apps takes from its own tree comes from the environment here:
#   SLM_COPILOT_RELEASE  release bundle .tar.gz (`slm-copilot image release`)
#   SLM_COPILOT_MODEL    GGUF baked into /models (production: Devstral Small 2, Q4_K_M)
#   SLM_COPILOT_MODEL_SHA256  its sha256, required: the same pin as `slm-copilot image build --model-sha256`
#                        (checked here before Packer starts and again inside the build VM after the upload)
#   BASE_IMAGE           one-apps Debian 12 base image with one-context (one-apps `make debian12`)
#   DIR_BUILD            working directory (default build/packer), PACKER_HEADLESS (default true),
#   RELEASE              one-apps release number for the manifest version (default 1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

die() {
  echo "build.sh: $*" >&2
  exit 2
}
[[ $# -eq 3 ]] || die "usage: $0 <name> <version> <dst>  (e.g. service_SlmCopilot 0.1.0 export/service_SlmCopilot.qcow2)"
name=$1
version=$2
dst=$3
input_dir="$here/$name"
[[ -f "$input_dir/variables.pkr.hcl" ]] || die "<name>: no Packer recipe in $input_dir"
[[ -n "$version" ]] || die "<version>: must not be empty"
[[ "$dst" == *.qcow2 ]] || die "<dst>: must end in .qcow2, not $dst"
for input in SLM_COPILOT_RELEASE SLM_COPILOT_MODEL BASE_IMAGE; do
  [[ -f "${!input:-}" ]] || die "$input: must name an existing file (is '${!input:-}')"
done
# A release image pins its weights, as `image build` does: no pin, or a file that does not match it, no build.
model_sha256=$(printf '%s' "${SLM_COPILOT_MODEL_SHA256:-}" | tr 'A-F' 'a-f')
[[ "$model_sha256" =~ ^[0-9a-f]{64}$ ]] ||
  die "SLM_COPILOT_MODEL_SHA256: must be the 64 hex digits of the GGUF's sha256 (sha256sum FILE), as image build --model-sha256 (is '${SLM_COPILOT_MODEL_SHA256:-}')"
actual=$(sha256sum "$SLM_COPILOT_MODEL" | cut -d ' ' -f 1)
[[ "$actual" == "$model_sha256" ]] ||
  die "SLM_COPILOT_MODEL: $SLM_COPILOT_MODEL has sha256 $actual, SLM_COPILOT_MODEL_SHA256 pins $model_sha256 (wrong or corrupted weights file)"
output_dir="${DIR_BUILD:-$here/../../build/packer}/$name"
mkdir -p "$output_dir" "$(dirname "$dst")"

packer init "$input_dir"
packer build -force \
  -var "appliance_name=$name" \
  -var "version=$version" \
  -var "input_dir=$input_dir" \
  -var "output_dir=$output_dir" \
  -var "headless=${PACKER_HEADLESS:-true}" \
  -var "base_image=$(readlink -f "$BASE_IMAGE")" \
  -var "release_tarball=$(readlink -f "$SLM_COPILOT_RELEASE")" \
  -var "model_file=$(readlink -f "$SLM_COPILOT_MODEL")" \
  -var "model_sha256=$model_sha256" \
  "$input_dir"

# The build context (it holds the build-only root password) does not outlive the build.
rm -rf "$input_dir/$name-context.iso" "$input_dir/context/"
qemu-img convert -c -O qcow2 "$output_dir/$name.qcow2" "$dst"
rm -rf "$output_dir"
VERSION=$version RELEASE=${RELEASE:-1} "$here/manifest.sh" "$dst"
