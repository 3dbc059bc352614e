# Inputs of the SLM-Copilot appliance build (packer/build.sh passes the first five, like one-apps).

variable "appliance_name" {
  type    = string
  default = "service_SlmCopilot"
}

variable "version" {
  type    = string
  default = "0.1.0"
}

variable "input_dir" {
  type        = string
  description = "Directory of this recipe (gen_context, scripts)."
}

variable "output_dir" {
  type        = string
  description = "Where the built qcow2 is written."
}

variable "base_image" {
  type        = string
  description = "one-apps Debian 12 base image (export/debian12.qcow2: has one-context installed)."
}

variable "release_tarball" {
  type        = string
  description = "slm-copilot release bundle: tar.gz of build/release/slm-copilot-<version> (slm-copilot image release)."
}

variable "model_file" {
  type        = string
  description = "GGUF weights baked into /models (production: Devstral Small 2, Q4_K_M)."
}

variable "model_sha256" {
  type        = string
  description = "sha256 of model_file (build.sh checks it on the host; 85-install-slm-copilot.sh again after the upload)."
}

variable "model_id" {
  type        = string
  default     = "devstral-small-2"
  description = "Model id clients send."
}

variable "headless" {
  type    = bool
  default = true
}

variable "disk_size_mb" {
  type    = number
  default = 40960
}

variable "cpus" {
  type    = number
  default = 4
}

variable "memory_mb" {
  type    = number
  default = 8192
}
