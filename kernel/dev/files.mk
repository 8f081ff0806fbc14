# kernel/dev/: virtio devices (see README.md). The split virtqueue is
# portable (kernel, host tests); the virtio-mmio transport and the drivers
# touch device registers and are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtqueue.c
KERNEL_ONLY_SRCS += kernel/dev/virtio.c kernel/dev/virtio_mmio.c kernel/dev/virtio_rng.c
# ACPI's MADT and the MP table: portable (host tests, fuzz_acpi).
KERNEL_PORTABLE_SRCS += kernel/dev/acpi.c

# PCI and MSI-X: decoding a function's configuration space is portable
# (kernel, host tests, fuzzers); ECAM, enumeration and MSI-X are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/pci_parse.c
KERNEL_ONLY_SRCS += kernel/dev/acpi_map.c

# virtio-net (issue 13): the checks of what the device gives are portable
# (kernel, host tests); the driver is kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtio_net_check.c
KERNEL_ONLY_SRCS += kernel/dev/virtio_net.c kernel/dev/virtio_net_ktests.c
