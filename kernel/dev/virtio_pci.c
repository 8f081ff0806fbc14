/*
 * The virtio-pci transport, modern interface only (virtio 1.x, 4.1), for
 * q35: each function with vendor 0x1af4 and device 0x1040 + ID gets the ops
 * of carapace/virtio.h and is registered with virtio_register. Its
 * structures (common configuration, notification area, ISR, device
 * configuration) are where its vendor capabilities say, checked by
 * virtio_pci_caps.c; each queue may have an MSI-X entry of its own
 * (queue i uses entry i), so a queue's interrupt goes straight to its
 * driver's handler.
 *
 * Transitional devices (0x1000..0x103f, QEMU's default on the root bus)
 * are skipped with a line naming the option that makes them modern:
 * scripts/carapace passes disable-legacy=on.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/pci.h>
#include <carapace/virtio.h>
#include <carapace/virtio_pci.h>
#include <carapace/virtqueue.h>

/* struct virtio_pci_common_cfg (4.1.4.3), by offset. */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE        0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE        0x0c
#define COMMON_CONFIG_MSIX_VECTOR    0x10
#define COMMON_NUM_QUEUES            0x12
#define COMMON_DEVICE_STATUS         0x14
#define COMMON_CONFIG_GENERATION     0x15
#define COMMON_QUEUE_SELECT          0x16
#define COMMON_QUEUE_SIZE            0x18
#define COMMON_QUEUE_MSIX_VECTOR     0x1a
#define COMMON_QUEUE_ENABLE          0x1c
#define COMMON_QUEUE_NOTIFY_OFF      0x1e
#define COMMON_QUEUE_DESC            0x20
#define COMMON_QUEUE_DRIVER          0x28
#define COMMON_QUEUE_DEVICE          0x30

#define VIRTIO_MSI_NO_VECTOR   0xffff

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE     1
#define STATUS_DRIVER          2
#define STATUS_DRIVER_OK       4
#define STATUS_FEATURES_OK     8
#define STATUS_FAILED          128
#define RESET_POLLS            1000
#define CONFIG_READ_TRIES      16

#define PCI_MAX_QUEUES         8    /* queues per device this transport keeps state for */
#define PCI_MAX_VIRTIO         8    /* virtio-pci functions driven */

struct pci_virtio_device {
	struct virtio_device vdev;  /* first: the ops get a pointer to it */
	struct pci_device *pci;
	struct virtio_pci_layout layout;
	volatile uint8_t *common, *notify, *isr, *device;
	uint16_t num_queues;
	volatile uint16_t *queue_notify[PCI_MAX_QUEUES]; /* set up queues only */
	bool queue_irq[PCI_MAX_QUEUES];
};

static const struct virtio_transport_ops pci_ops;
static struct pci_virtio_device devices[PCI_MAX_VIRTIO];
static unsigned ndevices;

static struct pci_virtio_device *pdev(struct virtio_device *vdev)
{
	return (struct pci_virtio_device *)vdev;
}

static uint8_t common8(struct pci_virtio_device *d, uint32_t off)
{
	return *(volatile uint8_t *)(d->common + off);
}

static uint16_t common16(struct pci_virtio_device *d, uint32_t off)
{
	return *(volatile uint16_t *)(d->common + off);
}

static uint32_t common32(struct pci_virtio_device *d, uint32_t off)
{
	return *(volatile uint32_t *)(d->common + off);
}

static void set8(struct pci_virtio_device *d, uint32_t off, uint8_t v)
{
	*(volatile uint8_t *)(d->common + off) = v;
}

static void set16(struct pci_virtio_device *d, uint32_t off, uint16_t v)
{
	*(volatile uint16_t *)(d->common + off) = v;
}

static void set32(struct pci_virtio_device *d, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(d->common + off) = v;
}

/* 4.1.3.1: 64-bit fields as two 32-bit writes, low half first. */
static void set64(struct pci_virtio_device *d, uint32_t off, uint64_t v)
{
	set32(d, off, (uint32_t)v);
	set32(d, off + 4, (uint32_t)(v >> 32));
}

static void set_status(struct pci_virtio_device *d, uint8_t bits)
{
	set8(d, COMMON_DEVICE_STATUS, common8(d, COMMON_DEVICE_STATUS) | bits);
}

static void reset(struct pci_virtio_device *d)
{
	set8(d, COMMON_DEVICE_STATUS, 0);
	for (int i = 0; i < RESET_POLLS && common8(d, COMMON_DEVICE_STATUS) != 0; i++)
		;
}

static int pci_negotiate(struct virtio_device *vdev, uint64_t wanted, uint64_t *features)
{
	struct pci_virtio_device *d = pdev(vdev);
	uint64_t offered;

	reset(d);
	set_status(d, STATUS_ACKNOWLEDGE);
	set_status(d, STATUS_DRIVER);
	set32(d, COMMON_DEVICE_FEATURE_SELECT, 1);
	offered = (uint64_t)common32(d, COMMON_DEVICE_FEATURE) << 32;
	set32(d, COMMON_DEVICE_FEATURE_SELECT, 0);
	offered |= common32(d, COMMON_DEVICE_FEATURE);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		set_status(d, STATUS_FAILED);
		return -ENOTSUP;
	}
	*features = offered & (wanted | VIRTIO_F_VERSION_1);
	set32(d, COMMON_DRIVER_FEATURE_SELECT, 1);
	set32(d, COMMON_DRIVER_FEATURE, (uint32_t)(*features >> 32));
	set32(d, COMMON_DRIVER_FEATURE_SELECT, 0);
	set32(d, COMMON_DRIVER_FEATURE, (uint32_t)*features);
	set_status(d, STATUS_FEATURES_OK);
	if (!(common8(d, COMMON_DEVICE_STATUS) & STATUS_FEATURES_OK)) {
		set_status(d, STATUS_FAILED);
		return -ENOTSUP;
	}
	/* Configuration changes raise nothing: no driver here reacts to them. */
	set16(d, COMMON_CONFIG_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
	d->num_queues = common16(d, COMMON_NUM_QUEUES);
	return 0;
}

/*
 * Sets the queue up but leaves it disabled: queue_enable is written by
 * driver_ok, after queue_irq has had its chance to give it a vector.
 */
static int pci_queue_setup(struct virtio_device *vdev, uint32_t index, struct virtqueue *vq,
			   uint16_t max_size)
{
	struct pci_virtio_device *d = pdev(vdev);
	uint16_t device_max, notify_off;
	uint32_t offset;

	if (index >= d->num_queues || index >= PCI_MAX_QUEUES || d->queue_notify[index])
		return -ENODEV;
	set16(d, COMMON_QUEUE_SELECT, (uint16_t)index);
	device_max = common16(d, COMMON_QUEUE_SIZE);
	if (device_max == 0 || common16(d, COMMON_QUEUE_ENABLE) != 0)
		return -ENODEV;
	notify_off = common16(d, COMMON_QUEUE_NOTIFY_OFF);
	if (virtio_pci_notify_offset(&d->layout, notify_off, &offset)) {
		klog("virtio-pci: %s: queue %u's notify offset %u is outside the notify region\n",
		     vdev->name, index, notify_off);
		return -ENODEV;
	}
	if (virtio_queue_alloc(vq, device_max, max_size))
		return -ENOMEM;
	set16(d, COMMON_QUEUE_SIZE, vq->size);
	set16(d, COMMON_QUEUE_MSIX_VECTOR, VIRTIO_MSI_NO_VECTOR);
	set64(d, COMMON_QUEUE_DESC, vq->desc_phys);
	set64(d, COMMON_QUEUE_DRIVER, vq->avail_phys);
	set64(d, COMMON_QUEUE_DEVICE, vq->used_phys);
	d->queue_notify[index] = (volatile uint16_t *)(d->notify + offset);
	return 0;
}

static void pci_driver_ok(struct virtio_device *vdev)
{
	struct pci_virtio_device *d = pdev(vdev);

	for (uint16_t i = 0; i < PCI_MAX_QUEUES; i++) {
		if (!d->queue_notify[i])
			continue;
		set16(d, COMMON_QUEUE_SELECT, i);
		set16(d, COMMON_QUEUE_ENABLE, 1);
	}
	set_status(d, STATUS_DRIVER_OK);
}

static void pci_notify(struct virtio_device *vdev, struct virtqueue *vq, uint32_t index)
{
	struct pci_virtio_device *d = pdev(vdev);

	if (index < PCI_MAX_QUEUES && d->queue_notify[index] && virtqueue_should_notify(vq))
		*d->queue_notify[index] = (uint16_t)index;
}

static void pci_give_up(struct virtio_device *vdev)
{
	struct pci_virtio_device *d = pdev(vdev);

	set_status(d, STATUS_FAILED);
	reset(d);
	for (unsigned i = 0; i < PCI_MAX_QUEUES; i++)
		if (d->queue_irq[i])
			pci_msix_mask(d->pci, i, true);
}

static int pci_config_read(struct virtio_device *vdev, uint32_t offset, void *buf, uint32_t len)
{
	struct pci_virtio_device *d = pdev(vdev);
	uint32_t size = d->layout.region[VIRTIO_PCI_CAP_DEVICE_CFG].length;
	uint8_t *out = buf;

	if (!d->device || offset > size || len > size - offset)
		return -EINVAL;
	for (int tries = 0; tries < CONFIG_READ_TRIES; tries++) {
		uint8_t generation = common8(d, COMMON_CONFIG_GENERATION);

		for (uint32_t i = 0; i < len; i++)
			out[i] = d->device[offset + i];
		if (common8(d, COMMON_CONFIG_GENERATION) == generation)
			return 0;
	}
	return -EIO;
}

/* Queue index's interrupts come through MSI-X entry index. */
static int pci_queue_irq(struct virtio_device *vdev, uint32_t index, void (*fn)(void *),
			 void *arg)
{
	struct pci_virtio_device *d = pdev(vdev);
	int vector;

	if (index >= PCI_MAX_QUEUES || !d->queue_notify[index])
		return -ENODEV;
	if (d->queue_irq[index])
		return -EBUSY;
	vector = pci_msix_enable(d->pci, index, fn, arg);
	if (vector < 0)
		return -ENOTSUP;
	set16(d, COMMON_QUEUE_SELECT, (uint16_t)index);
	set16(d, COMMON_QUEUE_MSIX_VECTOR, (uint16_t)index);
	/* 4.1.4.3: a device that could not take the vector says NO_VECTOR. */
	if (common16(d, COMMON_QUEUE_MSIX_VECTOR) != index) {
		pci_msix_mask(d->pci, index, true);
		return -ENOTSUP;
	}
	d->queue_irq[index] = true;
	return 0;
}

static const struct virtio_transport_ops pci_ops = {
	.negotiate = pci_negotiate,
	.queue_setup = pci_queue_setup,
	.driver_ok = pci_driver_ok,
	.notify = pci_notify,
	.give_up = pci_give_up,
	.config_read = pci_config_read,
	.queue_irq = pci_queue_irq,
};

/* The mapped address of a region (present and checked), or NULL. */
static volatile uint8_t *map_region(struct pci_virtio_device *d, unsigned type)
{
	const struct virtio_pci_region *r = &d->layout.region[type];
	uint64_t bar;

	if (!r->present)
		return NULL;
	bar = pci_map_bar(d->pci, r->bar);
	return bar ? (volatile uint8_t *)(bar + r->offset) : NULL;
}

/* Registers p when it is a modern virtio device whose structures are sound. */
static void probe(struct pci_device *p)
{
	struct pci_virtio_device *d = &devices[ndevices];
	char err[160];

	if (p->device >= VIRTIO_PCI_TRANSITIONAL_FIRST && p->device <= VIRTIO_PCI_TRANSITIONAL_LAST) {
		klog("virtio-pci: %02x:%02x.%u is transitional (legacy-capable, device 0x%04x): "
		     "skipped (QEMU: disable-legacy=on)\n", p->bus, p->dev, p->fn, p->device);
		return;
	}
	if (p->device < VIRTIO_PCI_MODERN_FIRST || p->device > VIRTIO_PCI_MODERN_LAST)
		return;
	if (ndevices == PCI_MAX_VIRTIO) {
		klog("virtio-pci: %02x:%02x.%u: more than %u devices: skipped\n", p->bus, p->dev,
		     p->fn, PCI_MAX_VIRTIO);
		return;
	}
	d->pci = p;
	if (virtio_pci_layout_read(&p->cfg, &p->caps, p->bar, &d->layout, err, sizeof(err))) {
		klog("virtio-pci: %02x:%02x.%u: %s: skipped\n", p->bus, p->dev, p->fn, err);
		return;
	}
	d->common = map_region(d, VIRTIO_PCI_CAP_COMMON_CFG);
	d->notify = map_region(d, VIRTIO_PCI_CAP_NOTIFY_CFG);
	d->isr = map_region(d, VIRTIO_PCI_CAP_ISR_CFG);
	d->device = map_region(d, VIRTIO_PCI_CAP_DEVICE_CFG);
	if (!d->common || !d->notify || !d->isr) {
		klog("virtio-pci: %02x:%02x.%u: its structures cannot be mapped: skipped\n",
		     p->bus, p->dev, p->fn);
		return;
	}
	pci_enable(p, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_OFF);
	d->vdev.ops = &pci_ops;
	d->vdev.device_id = p->device - VIRTIO_PCI_MODERN_FIRST;
	fmt_snprintf(d->vdev.name, sizeof(d->vdev.name), "virtio-pci at %02x:%02x.%u", p->bus,
		     p->dev, p->fn);
	if (virtio_register(&d->vdev))
		return;
	ndevices++;
	klog("virtio-pci: %02x:%02x.%u device %u, notify multiplier %u%s\n", p->bus, p->dev, p->fn,
	     d->vdev.device_id, d->layout.notify_off_multiplier,
	     p->has_msix ? ", MSI-X" : ", no MSI-X (polled only)");
}

void virtio_pci_init(void)
{
	for (struct pci_device *p = pci_next(NULL); p; p = pci_next(p))
		if (p->vendor == VIRTIO_PCI_VENDOR)
			probe(p);
}
