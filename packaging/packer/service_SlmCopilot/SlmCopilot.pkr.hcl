# SLM-Copilot appliance, built the one-apps way: a Debian 12 base image with one-context is booted
# with a build context CD, our release bundle and model are installed, the appliance `install` stage
# runs, and postprocess.sh cleans the disk (machine-id, host keys, root password, sparsify).

# 1. The context CD of the build VM: DHCP on the NIC with ETH0_MAC, root password, and a start script
#    that opens root password login over SSH for Packer (the base image allows keys only).
source "null" "null" {
  communicator = "none"
}

build {
  name    = "context"
  sources = ["source.null.null"]

  provisioner "shell-local" {
    inline = [
      "mkdir -p ${var.input_dir}/context",
      "${var.input_dir}/gen_context > ${var.input_dir}/context/context.sh",
      "mkisofs -o ${var.input_dir}/${var.appliance_name}-context.iso -V CONTEXT -J -R ${var.input_dir}/context",
    ]
  }
}

# 2. The appliance itself.
source "qemu" "slm_copilot" {
  accelerator      = "kvm"
  cpus             = var.cpus
  memory           = var.memory_mb
  headless         = var.headless
  iso_url          = var.base_image
  iso_checksum     = "none"
  disk_image       = true
  use_backing_file = false
  disk_size        = var.disk_size_mb
  disk_interface   = "virtio"
  format           = "qcow2"
  output_directory = var.output_dir
  vm_name          = "${var.appliance_name}.qcow2"

  # The NIC's MAC must be gen_context's ETH0_MAC: one-context configures only NICs it finds by MAC.
  qemuargs = [
    ["-cpu", "host"],
    ["-cdrom", "${var.input_dir}/${var.appliance_name}-context.iso"],
    ["-serial", "stdio"],
    ["-netdev", "user,id=net0,hostfwd=tcp::{{ .SSHHostPort }}-:22"],
    ["-device", "virtio-net-pci,netdev=net0,mac=52:54:00:5c:0b:01"],
  ]

  communicator     = "ssh"
  ssh_username     = "root"
  ssh_password     = "opennebula"
  ssh_timeout      = "15m"
  shutdown_command = "poweroff"
}

build {
  name    = "appliance"
  sources = ["source.qemu.slm_copilot"]

  provisioner "shell" {
    inline = ["install -o 0 -g 0 -m u=rwx,g=rx,o= -d /etc/one-appliance /etc/one-appliance/service.d /etc/one-appliance/lib"]
  }

  provisioner "file" {
    source      = var.release_tarball
    destination = "/tmp/slm-copilot-release.tar.gz"
  }

  provisioner "file" {
    source      = var.model_file
    destination = "/tmp/model.gguf"
  }

  provisioner "shell" {
    environment_vars = ["MODEL_ID=${var.model_id}", "MODEL_SHA256=${var.model_sha256}", "SLM_COPILOT_VERSION=${var.version}"]
    scripts          = ["${var.input_dir}/85-install-slm-copilot.sh"]
  }

  # The appliance install stage runs at build time, as for every one-apps appliance.
  provisioner "shell" {
    inline = ["/etc/one-appliance/service install && sync"]
  }

  provisioner "shell" {
    scripts = ["${var.input_dir}/82-configure-context.sh"]
  }

  # Last: close the root password login the build context opened, and clean up.
  provisioner "shell" {
    scripts = ["${var.input_dir}/81-configure-ssh.sh"]
  }

  post-processor "shell-local" {
    environment_vars = ["OUTPUT_DIR=${var.output_dir}", "APPLIANCE_NAME=${var.appliance_name}"]
    scripts          = ["${var.input_dir}/../postprocess.sh"]
  }
}
