# kernel/virtio/: virtio devices (see README.md). The split virtqueue is
# portable (kernel, host tests); the virtio-mmio transport and the drivers
# touch device registers and are kernel-only.
KERNEL_PORTABLE_SRCS += kernel/virtio/virtqueue.c
KERNEL_ONLY_SRCS += kernel/virtio/virtio.c kernel/virtio/virtio_mmio.c kernel/virtio/virtio_rng.c
# virtio-pci (q35): its capability decoding is portable, the transport kernel-only.
KERNEL_PORTABLE_SRCS += kernel/virtio/virtio_pci_caps.c
KERNEL_ONLY_SRCS += kernel/virtio/virtio_pci.c
