# kernel/dev/: device drivers (see README.md).

# virtio: the split virtqueue is portable (kernel, host tests); the
# virtio-mmio transport and the drivers touch device registers and are
# kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtqueue.c
KERNEL_ONLY_SRCS += kernel/dev/virtio.c kernel/dev/virtio_mmio.c kernel/dev/virtio_rng.c
# ACPI's MADT, MCFG and the MP table: portable (host tests, fuzz_acpi); the
# kernel's reader of firmware memory is kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/acpi.c
KERNEL_ONLY_SRCS += kernel/dev/acpi_map.c

# PCI and MSI-X: decoding a function's configuration space is portable
# (kernel, host tests, fuzzers); ECAM, enumeration and MSI-X are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/pci_parse.c
KERNEL_ONLY_SRCS += kernel/dev/pci.c kernel/dev/msix.c
# virtio-pci (q35): its capability decoding is portable, the transport kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtio_pci_caps.c
KERNEL_ONLY_SRCS += kernel/dev/virtio_pci.c

# virtio-net (issue 13): the checks of what the device gives are portable
# (kernel, host tests); the driver is kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtio_net_check.c
KERNEL_ONLY_SRCS += kernel/dev/virtio_net.c kernel/dev/virtio_net_ktests.c
