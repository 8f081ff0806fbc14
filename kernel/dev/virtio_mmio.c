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
 * -global virtio-mmio.force-legacy=false with --rng and --net. A legacy
 * device is logged and skipped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/memory.h>
#include <carapace/virtqueue.h>

#include <carapace/arch.h>
#include <carapace/ioapic.h>

#include "virtio_mmio.h"

#define MICROVM_VIRTIO_BASE   0xfeb00000 /* QEMU hw/i386/microvm.h VIRTIO_MMIO_BASE */
#define MICROVM_VIRTIO_SLOTS  24         /* IOAPIC_NUM_PINS with two I/O APICs */
/*
 * The GSI of slot i (QEMU hw/i386/microvm.c): 24 + i on the second I/O
 * APIC when there is one (the default with ACPI), else 16 + i (8 slots;
 * seen with -M microvm,ioapic2=off). Without ACPI there is no MADT, no I/O
 * APIC is known, and the driver polls.
 */
#define MICROVM_IRQ_BASE_IOAPIC2 24
#define MICROVM_IRQ_BASE_IOAPIC1 16
#define MICROVM_IOAPIC1_SLOTS    8
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
#define REG_CONFIG_GENERATION 0x0fc
#define REG_CONFIG            0x100 /* the device-specific configuration */
#define CONFIG_SIZE           (VIRTIO_MMIO_SLOT_SIZE - REG_CONFIG)
#define CONFIG_READ_TRIES     16    /* a generation that keeps changing: give up */

/* Interrupt status bits (4.2.2). */
#define INT_USED_BUFFER       1
#define INT_CONFIG_CHANGE     2

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE    1
#define STATUS_DRIVER         2
#define STATUS_DRIVER_OK      4
#define STATUS_FEATURES_OK    8
#define STATUS_FAILED         128
#define RESET_POLLS           1000 /* reads of the status until the reset is seen */

#define MMIO_MAX_QUEUES       4    /* queues per device that may have an interrupt handler */

struct queue_handler {
	void (*fn)(void *arg);
	void *arg;
};

struct mmio_device {
	struct virtio_device vdev;  /* first: the ops get a pointer to it */
	volatile uint32_t *regs;    /* the slot's 512 bytes, mapped uncached */
	uint64_t phys;
	unsigned slot;
	bool interrupts;            /* a handler is installed: do not ack in notify */
	uint8_t vector;             /* its interrupt's, once routed (0: none) */
	uint32_t gsi;               /* its line, once routed */
	struct queue_handler handlers[MMIO_MAX_QUEUES];
};

static struct mmio_device *by_vector[256]; /* whose interrupt each vector is */

static const struct virtio_transport_ops mmio_ops;
static struct mmio_device devices[MICROVM_VIRTIO_SLOTS];
static struct virtio_device *found[MICROVM_VIRTIO_SLOTS];
static unsigned found_count;
static bool probed;

static struct mmio_device *mmio(struct virtio_device *vdev)
{
	return (struct mmio_device *)vdev;
}

static uint32_t reg_read(const struct mmio_device *dev, uint32_t off)
{
	return dev->regs[off / 4];
}

static void reg_write(struct mmio_device *dev, uint32_t off, uint32_t v)
{
	dev->regs[off / 4] = v;
}

static void set_status(struct mmio_device *dev, uint32_t bits)
{
	reg_write(dev, REG_STATUS, reg_read(dev, REG_STATUS) | bits);
}

/* 2.4.1: after writing 0, wait until the status reads 0. */
static void reset(struct mmio_device *dev)
{
	reg_write(dev, REG_STATUS, 0);
	for (int i = 0; i < RESET_POLLS && reg_read(dev, REG_STATUS) != 0; i++)
		;
}

/* Records slot i's device when it is a modern one; logs a legacy one. */
static void probe_slot(volatile uint32_t *slots, unsigned i)
{
	struct mmio_device *d = &devices[found_count];
	uint32_t version;

	d->regs = slots + i * VIRTIO_MMIO_SLOT_SIZE / 4;
	d->phys = MICROVM_VIRTIO_BASE + (uint64_t)i * VIRTIO_MMIO_SLOT_SIZE;
	d->slot = i;
	if (reg_read(d, REG_MAGIC) != VIRTIO_MMIO_MAGIC)
		return;
	d->vdev.device_id = reg_read(d, REG_DEVICE_ID);
	if (d->vdev.device_id == 0)
		return;
	version = reg_read(d, REG_VERSION);
	if (version != VIRTIO_MMIO_MODERN) {
		klog("virtio-mmio: device %u at 0x%llx is %s (version %u): skipped%s\n",
		     d->vdev.device_id, (unsigned long long)d->phys,
		     version == VIRTIO_MMIO_LEGACY ? "legacy" : "unknown", version,
		     version == VIRTIO_MMIO_LEGACY ?
		     " (QEMU: -global virtio-mmio.force-legacy=false)" : "");
		return;
	}
	d->vdev.ops = &mmio_ops;
	fmt_snprintf(d->vdev.name, sizeof(d->vdev.name), "virtio-mmio at 0x%llx",
		     (unsigned long long)d->phys);
	found[found_count++] = &d->vdev;
}

unsigned virtio_mmio_probe(struct virtio_device ***out)
{
	/* Called under virtio.c's registry lock: once, at boot, by one CPU at a time. */
	if (!probed) {
		volatile uint32_t *slots = (volatile uint32_t *)memory_map_mmio(
			MICROVM_VIRTIO_BASE, MICROVM_VIRTIO_SLOTS * VIRTIO_MMIO_SLOT_SIZE);

		probed = true;
		for (unsigned i = 0; slots && i < MICROVM_VIRTIO_SLOTS; i++)
			probe_slot(slots, i);
	}
	*out = found;
	return found_count;
}

static int mmio_negotiate(struct virtio_device *vdev, uint64_t wanted, uint64_t *features)
{
	struct mmio_device *dev = mmio(vdev);
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

static int mmio_queue_setup(struct virtio_device *vdev, uint32_t index,
			    struct virtqueue *vq, uint16_t max_size)
{
	struct mmio_device *dev = mmio(vdev);
	uint32_t device_max;

	reg_write(dev, REG_QUEUE_SEL, index);
	device_max = reg_read(dev, REG_QUEUE_NUM_MAX);
	if (device_max == 0 || reg_read(dev, REG_QUEUE_READY) != 0)
		return -ENODEV;
	if (virtio_queue_alloc(vq, device_max, max_size))
		return -ENOMEM;
	reg_write(dev, REG_QUEUE_NUM, vq->size);
	reg_write(dev, REG_QUEUE_DESC_LOW, (uint32_t)vq->desc_phys);
	reg_write(dev, REG_QUEUE_DESC_HIGH, (uint32_t)(vq->desc_phys >> 32));
	reg_write(dev, REG_QUEUE_DRIVER_LOW, (uint32_t)vq->avail_phys);
	reg_write(dev, REG_QUEUE_DRIVER_HIGH, (uint32_t)(vq->avail_phys >> 32));
	reg_write(dev, REG_QUEUE_DEVICE_LOW, (uint32_t)vq->used_phys);
	reg_write(dev, REG_QUEUE_DEVICE_HIGH, (uint32_t)(vq->used_phys >> 32));
	reg_write(dev, REG_QUEUE_READY, 1);
	return 0;
}

static void mmio_driver_ok(struct virtio_device *vdev)
{
	set_status(mmio(vdev), STATUS_DRIVER_OK);
}

static void mmio_notify(struct virtio_device *vdev, struct virtqueue *vq, uint32_t index)
{
	struct mmio_device *dev = mmio(vdev);

	if (virtqueue_should_notify(vq))
		reg_write(dev, REG_QUEUE_NOTIFY, index);
	/* Polled, not interrupt-driven: acknowledge whatever the device raised. */
	if (!dev->interrupts)
		reg_write(dev, REG_INTERRUPT_ACK, reg_read(dev, REG_INTERRUPT_STATUS));
}

static void mmio_give_up(struct virtio_device *vdev)
{
	struct mmio_device *dev = mmio(vdev);

	set_status(dev, STATUS_FAILED);
	reset(dev);
	/* A device that ignored the reset may still raise its line: stop listening. */
	if (dev->vector)
		ioapic_mask(dev->gsi, true);
}

static int mmio_config_read(struct virtio_device *vdev, uint32_t offset, void *buf,
			    uint32_t len)
{
	struct mmio_device *dev = mmio(vdev);
	volatile uint8_t *config = (volatile uint8_t *)dev->regs + REG_CONFIG;
	uint8_t *out = buf;

	if (offset > CONFIG_SIZE || len > CONFIG_SIZE - offset)
		return -EINVAL;
	for (int tries = 0; tries < CONFIG_READ_TRIES; tries++) {
		uint32_t generation = reg_read(dev, REG_CONFIG_GENERATION);

		for (uint32_t i = 0; i < len; i++)
			out[i] = config[offset + i];
		if (reg_read(dev, REG_CONFIG_GENERATION) == generation)
			return 0;
	}
	return -EIO;
}

/*
 * The device's line (level-triggered, active high): read what it raised,
 * acknowledge it before the local APIC's EOI (else the line is still
 * asserted and fires again), then tell the queues' handlers. One line
 * serves every queue, so each handler is told of every used buffer.
 */
static void mmio_interrupt(struct trap_frame *f)
{
	struct mmio_device *dev = __atomic_load_n(&by_vector[irq_frame_vector(f)], __ATOMIC_ACQUIRE);
	uint32_t status;

	if (dev == NULL)
		return;
	status = reg_read(dev, REG_INTERRUPT_STATUS);
	reg_write(dev, REG_INTERRUPT_ACK, status);
	if (!(status & INT_USED_BUFFER))
		return;
	for (unsigned i = 0; i < MMIO_MAX_QUEUES; i++) {
		void (*fn)(void *) = __atomic_load_n(&dev->handlers[i].fn, __ATOMIC_ACQUIRE);

		if (fn)
			fn(dev->handlers[i].arg);
	}
}

/* Routes the device's GSI to a vector of its own, on the CPU for device interrupts. */
static int route_interrupt(struct mmio_device *dev)
{
	bool ioapic2 = ioapic_gsi_end() > MICROVM_IRQ_BASE_IOAPIC2;
	uint32_t gsi = dev->slot + (ioapic2 ? MICROVM_IRQ_BASE_IOAPIC2 : MICROVM_IRQ_BASE_IOAPIC1);
	uint32_t apic_id = irq_device_apic_id(lapic_id());
	int vector;

	if (!ioapic2 && dev->slot >= MICROVM_IOAPIC1_SLOTS)
		return -ENOTSUP;
	vector = irq_alloc_vector(mmio_interrupt);
	if (vector < 0)
		return -ENOTSUP;
	__atomic_store_n(&by_vector[vector], dev, __ATOMIC_RELEASE);
	if (ioapic_route(gsi, (uint8_t)vector, apic_id, IOAPIC_LEVEL)) {
		irq_register((uint8_t)vector, NULL);
		return -ENOTSUP;
	}
	dev->vector = (uint8_t)vector;
	dev->gsi = gsi;
	klog("virtio-mmio: %s raises GSI %u, vector 0x%x, on APIC %u\n", dev->vdev.name, gsi, vector,
	     apic_id);
	return 0;
}

static int mmio_queue_irq(struct virtio_device *vdev, uint32_t index, void (*fn)(void *),
			  void *arg)
{
	struct mmio_device *dev = mmio(vdev);

	if (index >= MMIO_MAX_QUEUES)
		return -ENODEV;
	dev->handlers[index].arg = arg;
	__atomic_store_n(&dev->handlers[index].fn, fn, __ATOMIC_RELEASE);
	if (dev->vector == 0 && route_interrupt(dev)) {
		__atomic_store_n(&dev->handlers[index].fn, NULL, __ATOMIC_RELEASE);
		return -ENOTSUP;
	}
	dev->interrupts = true;
	return 0;
}

static const struct virtio_transport_ops mmio_ops = {
	.negotiate = mmio_negotiate,
	.queue_setup = mmio_queue_setup,
	.driver_ok = mmio_driver_ok,
	.notify = mmio_notify,
	.give_up = mmio_give_up,
	.config_read = mmio_config_read,
	.queue_irq = mmio_queue_irq,
};
