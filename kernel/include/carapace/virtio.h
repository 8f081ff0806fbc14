/*
 * virtio devices (kernel/dev/, see its README.md), independent of the
 * transport that carries them. The split virtqueue is carapace/virtqueue.h.
 *
 * A transport (virtio-mmio, built in; virtio-pci, which registers its
 * devices with virtio_register) fills a struct virtio_device and its ops; a
 * driver (virtio-rng, virtio-net) takes one with virtio_find and drives it
 * through the ops alone, so the same driver runs on microvm and on q35.
 * Everything a device reports (features, configuration, ring entries) is
 * untrusted input.
 */
#ifndef CARAPACE_VIRTIO_H
#define CARAPACE_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include <carapace/virtqueue.h>

#define VIRTIO_ID_NET        1          /* 5.1: the network device */
#define VIRTIO_ID_ENTROPY    4          /* 5.4: the entropy device */
#define VIRTIO_F_VERSION_1   (1ull << 32) /* 6: a virtio 1.x device */

#define VIRTIO_NAME_MAX      48

struct virtio_device;

/*
 * What a transport does for a driver. Each takes the device virtio_find
 * returned; the transport finds its own state from it (its structure
 * starts with the struct virtio_device).
 */
struct virtio_transport_ops {
	/*
	 * Resets the device and runs the start of 3.1.1: ACKNOWLEDGE, DRIVER,
	 * and the features: VIRTIO_F_VERSION_1 and those of wanted the device
	 * offers. 0 (*features the negotiated set), -ENOTSUP (no VERSION_1, or
	 * the device refused FEATURES_OK: it is then marked FAILED).
	 */
	int (*negotiate)(struct virtio_device *dev, uint64_t wanted, uint64_t *features);
	/*
	 * Sets up queue index with at most max_size entries (ring memory for
	 * the device, private slots from the kernel heap). The queue asks for
	 * no interrupt until virtqueue_enable_interrupts. 0, -ENODEV (no such
	 * queue, or already live), -ENOMEM.
	 */
	int (*queue_setup)(struct virtio_device *dev, uint32_t index, struct virtqueue *vq,
			   uint16_t max_size);
	/* The end of 3.1.1: the driver is ready (DRIVER_OK). */
	void (*driver_ok)(struct virtio_device *dev);
	/* Tells the device that queue index has new buffers (if it wants to know). */
	void (*notify)(struct virtio_device *dev, struct virtqueue *vq, uint32_t index);
	/*
	 * Gives up on the device: FAILED, then a reset, after which it no
	 * longer touches the rings (their memory stays allocated all the same)
	 * and raises no interrupt that reaches a driver.
	 */
	void (*give_up)(struct virtio_device *dev);
	/*
	 * Copies len bytes of the device-specific configuration (the MAC of a
	 * network device...) from offset into buf, consistently (3.1: the
	 * configuration generation is read around it). 0; -EINVAL when the
	 * range is outside what the transport exposes (nothing is read); -EIO
	 * when the device keeps changing it.
	 */
	int (*config_read)(struct virtio_device *dev, uint32_t offset, void *buf, uint32_t len);
	/*
	 * Calls fn(arg) in interrupt context when the device has put buffers
	 * on queue index's used ring (set up before; call before driver_ok).
	 * fn must be short: wake a thread, do the work there. 0, -ENODEV (no
	 * such queue), -ENOTSUP (no interrupt available: poll).
	 */
	int (*queue_irq)(struct virtio_device *dev, uint32_t index, void (*fn)(void *arg),
			 void *arg);
};

struct virtio_device {
	const struct virtio_transport_ops *ops;
	uint32_t device_id;
	char name[VIRTIO_NAME_MAX]; /* for messages: "virtio-mmio at 0xfeb02e00" */
	bool claimed;               /* virtio_find gave it to a driver */
	struct virtio_device *next; /* virtio_register's list */
};

/*
 * Finds the first device of device_id no driver has taken yet, and marks
 * it taken: virtio-mmio devices first (microvm's transports, probed on the
 * first call), then those registered by other transports (virtio-pci), in
 * registration order. 0; -ENODEV (none).
 */
int virtio_find(uint32_t device_id, struct virtio_device **out);

/*
 * For a transport other than virtio-mmio: makes dev (whose ops, device_id
 * and name are set, and which lives forever) visible to virtio_find. Only
 * modern (virtio 1.x) devices are registered. 0, or -EINVAL (no ops).
 */
int virtio_register(struct virtio_device *dev);

/*
 * For transports: the ring memory (DMA) and private slots of a queue, the
 * largest power of two within device_max, max_size and VIRTQUEUE_MAX_SIZE,
 * set up in vq. 0, -ENOMEM.
 */
int virtio_queue_alloc(struct virtqueue *vq, uint32_t device_max, uint16_t max_size);

/*
 * Looks for a virtio-rng device and, when one answers, adds it to the
 * kernel's seed sources (random_add_source). Call once at boot, after
 * memory_init.
 */
void virtio_rng_init(void);

#endif
