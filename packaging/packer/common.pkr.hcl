# Shared Packer settings (one-apps keeps these in vars-common.pkr.hcl).
packer {
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = "1.1.0"
    }
  }
}
