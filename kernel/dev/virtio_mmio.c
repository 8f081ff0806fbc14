/*
 * virtio-mmio (virtio 1.x, 4.2) on QEMU's microvm machine.
 *
 * Discovery: the MMIO transport has none (4.2.1). microvm creates its
 * transports at fixed addresses, 512 bytes apart from 0xfeb00000: 8 of
 * them, or 24 when it has ACPI and a second I/O APIC (QEMU 7.2's default);
 * a transport with no device behind it answers with the magic value and
 * device ID 0. It describes them in its ACPI DSDT (AML, which Carapace does
 * not interpret) and, only without ACPI and for a Linux kernel, on the
 * command line; a Multiboot kernel gets neither. So the slots are probed:
 * read the magic value ("virt") and the device ID of each. On machines
 * without microvm's transports (q35) nothing answers there and nothing is
 * found.
 *
 * QEMU's virtio-mmio transport is legacy (version 1) unless its property
 * force-legacy is off; scripts/carapace passes
 * -global virtio-mmio.force-legacy=false with --rng. A legacy device is
 * logged and skipped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/memory.h>
#include <carapace/virtqueue.h>

#include "virtio_mmio.h"

#define MICROVM_VIRTIO_BASE   0xfeb00000 /* QEMU hw/i386/microvm.h VIRTIO_MMIO_BASE */
#define MICROVM_VIRTIO_SLOTS  24         /* IOAPIC_NUM_PINS with two I/O APICs */
#define VIRTIO_MMIO_SLOT_SIZE 0x200

#define VIRTIO_MMIO_MAGIC     0x74726976 /* "virt", little-endian */
#define VIRTIO_MMIO_MODERN    2
#define VIRTIO_MMIO_LEGACY    1

/* Register offsets (4.2.2, table "MMIO Device Register Layout"). */
#define REG_MAGIC             0x000
#define REG_VERSION           0x004
#define REG_DEVICE_ID         0x008
#define REG_DEVICE_FEATURES   0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES   0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL         0x030
#define REG_QUEUE_NUM_MAX     0x034
#define REG_QUEUE_NUM         0x038
#define REG_QUEUE_READY       0x044
#define REG_QUEUE_NOTIFY      0x050
#define REG_INTERRUPT_STATUS  0x060
#define REG_INTERRUPT_ACK     0x064
#define REG_STATUS            0x070
#define REG_QUEUE_DESC_LOW    0x080
#define REG_QUEUE_DESC_HIGH   0x084
#define REG_QUEUE_DRIVER_LOW  0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW  0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE    1
#define STATUS_DRIVER         2
#define STATUS_DRIVER_OK      4
#define STATUS_FEATURES_OK    8
#define STATUS_FAILED         128
#define RESET_POLLS           1000 /* reads of the status until the reset is seen */

static volatile uint32_t *slots;

static uint32_t reg_read(const struct virtio_mmio_dev *dev, uint32_t off)
{
	return dev->regs[off / 4];
}

static void reg_write(struct virtio_mmio_dev *dev, uint32_t off, uint32_t v)
{
	dev->regs[off / 4] = v;
}

static void set_status(struct virtio_mmio_dev *dev, uint32_t bits)
{
	reg_write(dev, REG_STATUS, reg_read(dev, REG_STATUS) | bits);
}

/* 2.4.1: after writing 0, wait until the status reads 0. */
static void reset(struct virtio_mmio_dev *dev)
{
	reg_write(dev, REG_STATUS, 0);
	for (int i = 0; i < RESET_POLLS && reg_read(dev, REG_STATUS) != 0; i++)
		;
}

int virtio_mmio_find(uint32_t device_id, struct virtio_mmio_dev *dev)
{
	if (slots == NULL) {
		slots = (volatile uint32_t *)memory_map_mmio(
			MICROVM_VIRTIO_BASE, MICROVM_VIRTIO_SLOTS * VIRTIO_MMIO_SLOT_SIZE);
		if (slots == NULL)
			return -ENODEV;
	}
	for (int i = 0; i < MICROVM_VIRTIO_SLOTS; i++) {
		struct virtio_mmio_dev d = {
			.regs = slots + i * VIRTIO_MMIO_SLOT_SIZE / 4,
			.phys = MICROVM_VIRTIO_BASE + (uint64_t)i * VIRTIO_MMIO_SLOT_SIZE,
		};
		uint32_t version;

		if (reg_read(&d, REG_MAGIC) != VIRTIO_MMIO_MAGIC)
			continue;
		d.device_id = reg_read(&d, REG_DEVICE_ID);
		if (d.device_id != device_id)
			continue;
		version = reg_read(&d, REG_VERSION);
		if (version == VIRTIO_MMIO_MODERN) {
			*dev = d;
			return 0;
		}
		klog("virtio-mmio: device %u at 0x%llx is %s (version %u): skipped%s\n",
		     device_id, (unsigned long long)d.phys,
		     version == VIRTIO_MMIO_LEGACY ? "legacy" : "unknown", version,
		     version == VIRTIO_MMIO_LEGACY ?
		     " (QEMU: -global virtio-mmio.force-legacy=false)" : "");
	}
	return -ENODEV;
}

int virtio_mmio_negotiate(struct virtio_mmio_dev *dev, uint64_t wanted, uint64_t *features)
{
	uint64_t offered;

	reset(dev);
	set_status(dev, STATUS_ACKNOWLEDGE);
	set_status(dev, STATUS_DRIVER);
	reg_write(dev, REG_DEVICE_FEATURES_SEL, 1);
	offered = (uint64_t)reg_read(dev, REG_DEVICE_FEATURES) << 32;
	reg_write(dev, REG_DEVICE_FEATURES_SEL, 0);
	offered |= reg_read(dev, REG_DEVICE_FEATURES);
	if (!(offered & VIRTIO_F_VERSION_1)) {
		set_status(dev, STATUS_FAILED);
		return -ENOTSUP;
	}
	*features = offered & (wanted | VIRTIO_F_VERSION_1);
	reg_write(dev, REG_DRIVER_FEATURES_SEL, 1);
	reg_write(dev, REG_DRIVER_FEATURES, (uint32_t)(*features >> 32));
	reg_write(dev, REG_DRIVER_FEATURES_SEL, 0);
	reg_write(dev, REG_DRIVER_FEATURES, (uint32_t)*features);
	set_status(dev, STATUS_FEATURES_OK);
	if (!(reg_read(dev, REG_STATUS) & STATUS_FEATURES_OK)) {
		set_status(dev, STATUS_FAILED);
		return -ENOTSUP;
	}
	return 0;
}

int virtio_mmio_queue_setup(struct virtio_mmio_dev *dev, uint32_t index,
			    struct virtqueue *vq, uint16_t max_size)
{
	struct virtqueue_slot *qslots;
	uint32_t device_max;
	uint16_t size = 1;
	uint64_t phys;
	void *ring;

	reg_write(dev, REG_QUEUE_SEL, index);
	device_max = reg_read(dev, REG_QUEUE_NUM_MAX);
	if (device_max == 0 || reg_read(dev, REG_QUEUE_READY) != 0)
		return -ENODEV;
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
	reg_write(dev, REG_QUEUE_NUM, size);
	reg_write(dev, REG_QUEUE_DESC_LOW, (uint32_t)vq->desc_phys);
	reg_write(dev, REG_QUEUE_DESC_HIGH, (uint32_t)(vq->desc_phys >> 32));
	reg_write(dev, REG_QUEUE_DRIVER_LOW, (uint32_t)vq->avail_phys);
	reg_write(dev, REG_QUEUE_DRIVER_HIGH, (uint32_t)(vq->avail_phys >> 32));
	reg_write(dev, REG_QUEUE_DEVICE_LOW, (uint32_t)vq->used_phys);
	reg_write(dev, REG_QUEUE_DEVICE_HIGH, (uint32_t)(vq->used_phys >> 32));
	reg_write(dev, REG_QUEUE_READY, 1);
	return 0;
}

void virtio_mmio_driver_ok(struct virtio_mmio_dev *dev)
{
	set_status(dev, STATUS_DRIVER_OK);
}

void virtio_mmio_notify(struct virtio_mmio_dev *dev, struct virtqueue *vq, uint32_t index)
{
	if (virtqueue_should_notify(vq))
		reg_write(dev, REG_QUEUE_NOTIFY, index);
	/* Polled, not interrupt-driven: acknowledge whatever the device raised. */
	reg_write(dev, REG_INTERRUPT_ACK, reg_read(dev, REG_INTERRUPT_STATUS));
}

void virtio_mmio_give_up(struct virtio_mmio_dev *dev)
{
	set_status(dev, STATUS_FAILED);
	reset(dev);
}
