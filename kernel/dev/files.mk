# kernel/dev/: virtio devices (see README.md). The split virtqueue is
# portable (kernel, host tests); the virtio-mmio transport and the drivers
# touch device registers and are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/dev/virtqueue.c
KERNEL_ONLY_SRCS += kernel/dev/virtio_mmio.c kernel/dev/virtio_rng.c
# ACPI's MADT and the MP table: portable (host tests, fuzz_acpi).
KERNEL_PORTABLE_SRCS += kernel/dev/acpi.c
