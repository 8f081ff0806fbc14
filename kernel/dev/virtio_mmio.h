/*
 * The virtio-mmio transport (virtio 1.x, 4.2), kernel-only: the devices
 * QEMU's microvm machine places at fixed addresses, driven through the
 * struct virtio_transport_ops of carapace/virtio.h.
 */
#ifndef CARAPACE_VIRTIO_MMIO_H
#define CARAPACE_VIRTIO_MMIO_H

#include <carapace/virtio.h>

/*
 * Probes microvm's transports, once (later calls only return): fills
 * *devices with the modern devices found, in slot order. Returns how many.
 */
unsigned virtio_mmio_probe(struct virtio_device ***devices);

#endif
