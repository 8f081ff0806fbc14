/*
 * Which virtio devices there are, whatever their transport: virtio-mmio's
 * (probed here on first use) and those other transports register.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/memory.h>
#include <carapace/spinlock.h>
#include <carapace/virtio.h>

#include "virtio_mmio.h"

static struct virtio_device *registered;      /* in registration order */
static struct spinlock registry_lock;

int virtio_register(struct virtio_device *dev)
{
	struct virtio_device **tail;

	if (dev == NULL || dev->ops == NULL)
		return -EINVAL;
	dev->next = NULL;
	dev->claimed = false;
	spin_lock(&registry_lock);
	for (tail = &registered; *tail; tail = &(*tail)->next)
		;
	*tail = dev;
	spin_unlock(&registry_lock);
	return 0;
}

/* Takes dev when it is unclaimed and of device_id. */
static bool claim(struct virtio_device *dev, uint32_t device_id)
{
	if (dev->device_id != device_id || dev->claimed)
		return false;
	dev->claimed = true;
	return true;
}

int virtio_find(uint32_t device_id, struct virtio_device **out)
{
	struct virtio_device **mmio;
	unsigned n = virtio_mmio_probe(&mmio);
	int rc = -ENODEV;

	spin_lock(&registry_lock);
	for (unsigned i = 0; i < n && rc; i++)
		if (claim(mmio[i], device_id)) {
			*out = mmio[i];
			rc = 0;
		}
	for (struct virtio_device *d = registered; d && rc; d = d->next)
		if (claim(d, device_id)) {
			*out = d;
			rc = 0;
		}
	spin_unlock(&registry_lock);
	return rc;
}

int virtio_queue_alloc(struct virtqueue *vq, uint32_t device_max, uint16_t max_size)
{
	struct virtqueue_slot *qslots;
	uint16_t size = 1;
	uint64_t phys;
	void *ring;

	/* The largest power of two both sides accept (2.7: sizes are powers of two). */
	while ((uint32_t)size * 2 <= device_max && size * 2 <= max_size &&
	       size * 2 <= VIRTQUEUE_MAX_SIZE)
		size = (uint16_t)(size * 2);
	ring = memory_alloc_dma(virtqueue_ring_bytes(size), &phys);
	qslots = kcalloc(size, sizeof(*qslots));
	if (ring == NULL || qslots == NULL) {
		kfree(qslots); /* the ring's frames are not given back: rare, at boot */
		return -ENOMEM;
	}
	if (virtqueue_init(vq, size, ring, phys, qslots))
		return -ENOMEM;
	return 0;
}
