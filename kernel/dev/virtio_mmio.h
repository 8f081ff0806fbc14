/*
 * The virtio-mmio transport (virtio 1.x, 4.2), kernel-only: finding the
 * devices QEMU's microvm machine places at fixed addresses, the device
 * status and feature handshake (3.1.1), and telling a device where a
 * virtqueue's rings are. Only the modern interface (version 2) is driven.
 */
#ifndef CARAPACE_VIRTIO_MMIO_H
#define CARAPACE_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/virtqueue.h>

#define VIRTIO_ID_ENTROPY    4          /* 5.4: the entropy device */
#define VIRTIO_F_VERSION_1   (1ull << 32) /* 6: a virtio 1.x device */

struct virtio_mmio_dev {
	volatile uint32_t *regs; /* the slot's 512 bytes, mapped uncached */
	uint64_t phys;
	uint32_t device_id;
};

/*
 * Finds the first modern device of device_id among microvm's transports.
 * 0; -ENODEV (none; a legacy one is logged and skipped).
 */
int virtio_mmio_find(uint32_t device_id, struct virtio_mmio_dev *dev);

/*
 * Resets the device and runs the start of 3.1.1: ACKNOWLEDGE, DRIVER, and
 * the features: VIRTIO_F_VERSION_1 and those of wanted the device offers.
 * 0 (*features the negotiated set), -ENOTSUP (no VERSION_1, or the device
 * refused FEATURES_OK: it is then marked FAILED).
 */
int virtio_mmio_negotiate(struct virtio_mmio_dev *dev, uint64_t wanted, uint64_t *features);

/*
 * Sets up queue index with at most max_size entries (ring memory for the
 * device, private slots from the kernel heap). 0, -ENODEV (no such queue,
 * or already live), -ENOMEM.
 */
int virtio_mmio_queue_setup(struct virtio_mmio_dev *dev, uint32_t index,
			    struct virtqueue *vq, uint16_t max_size);

/* The end of 3.1.1: the driver is ready (DRIVER_OK). */
void virtio_mmio_driver_ok(struct virtio_mmio_dev *dev);

/* Tells the device that queue index has new buffers (if it wants to know). */
void virtio_mmio_notify(struct virtio_mmio_dev *dev, struct virtqueue *vq, uint32_t index);

/*
 * Gives up on the device: FAILED, then a reset, after which it no longer
 * touches the rings (the memory stays allocated all the same).
 */
void virtio_mmio_give_up(struct virtio_mmio_dev *dev);

#endif
