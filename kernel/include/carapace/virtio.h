/*
 * virtio devices (kernel/dev/, see its README.md). The split virtqueue
 * is carapace/virtqueue.h; the virtio-mmio transport is internal.
 */
#ifndef CARAPACE_VIRTIO_H
#define CARAPACE_VIRTIO_H

/*
 * Looks for a virtio-rng device on microvm's virtio-mmio transports and,
 * when one answers, adds it to the kernel's seed sources
 * (random_add_source). Call once at boot, after memory_init.
 */
void virtio_rng_init(void);

#endif
