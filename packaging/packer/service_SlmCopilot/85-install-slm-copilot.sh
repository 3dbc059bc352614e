#!/usr/bin/env bash
# Installs the SLM-Copilot release bundle (with its own Node runtime), the OS packages it drives and
# the model; `service install` (next provisioner) then runs the appliance install stage.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get update
apt-get install -y --no-install-recommends nginx libnginx-mod-http-js openssl certbot ca-certificates curl

rm -rf /opt/slm-copilot
mkdir -p /opt/slm-copilot
tar -xzf /tmp/slm-copilot-release.tar.gz -C /opt/slm-copilot --strip-components=1
rm -f /tmp/slm-copilot-release.tar.gz
ln -sfn /opt/slm-copilot/bin/slm-copilot /usr/local/bin/slm-copilot

# The upload must be the pinned weights (build.sh checked the file on the host).
: "${MODEL_SHA256:?MODEL_SHA256 must be set (packer variable model_sha256)}"
echo "${MODEL_SHA256}  /tmp/model.gguf" | sha256sum -c --strict -
install -d -m 0755 /models
mv /tmp/model.gguf "/models/${MODEL_ID}.gguf"
cat > "/models/${MODEL_ID}.yaml" <<YAML
# Model definition for SLM-Copilot (select with ONEAPP_COPILOT_ENGINE_MODEL=${MODEL_ID}).
name: ${MODEL_ID}
parameters:
  model: ${MODEL_ID}.gguf
YAML

# The appliance's own install stage creates /etc/one-appliance/service; run it once here so the next
# provisioner finds the entry point (it is idempotent).
/opt/slm-copilot/bin/slm-copilot install
/opt/slm-copilot/bin/slm-copilot help >/dev/null
echo "slm-copilot ${SLM_COPILOT_VERSION} installed"
