/*
 * virtio-pci's structures (virtio 1.x, 4.1.4): a modern device says where
 * its common configuration, notification area, ISR status and device
 * configuration lie with vendor-specific PCI capabilities, each naming a
 * BAR, an offset and a length. Portable (kernel, host tests): every
 * capability's length and every region is checked against the BAR it
 * names before the transport maps or touches it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/pci.h>
#include <carapace/virtio_pci.h>

#define CAP_LEN          2
#define CAP_CFG_TYPE     3
#define CAP_BAR          4
#define CAP_OFFSET       8
#define CAP_LENGTH       12
#define CAP_NOTIFY_MULT  16
#define CAP_SIZE         16   /* struct virtio_pci_cap */
#define NOTIFY_CAP_SIZE  20   /* struct virtio_pci_notify_cap */

/* The smallest region the transport accepts for each type it uses. */
static const uint32_t region_min[VIRTIO_PCI_CAP_TYPES] = {
	[VIRTIO_PCI_CAP_COMMON_CFG] = VIRTIO_PCI_COMMON_CFG_SIZE,
	[VIRTIO_PCI_CAP_NOTIFY_CFG] = 2,  /* one 16-bit queue index */
	[VIRTIO_PCI_CAP_ISR_CFG] = 1,
	[VIRTIO_PCI_CAP_DEVICE_CFG] = 1,
};

static const char *const region_names[VIRTIO_PCI_CAP_TYPES] = {
	[VIRTIO_PCI_CAP_COMMON_CFG] = "common",
	[VIRTIO_PCI_CAP_NOTIFY_CFG] = "notify",
	[VIRTIO_PCI_CAP_ISR_CFG] = "isr",
	[VIRTIO_PCI_CAP_DEVICE_CFG] = "device",
};

/* Checks one capability at off of type (a type this transport uses) and records it. */
static int take_region(const struct pci_cfg *c, uint8_t off, uint8_t type,
		       const struct pci_bar bars[PCI_NUM_BARS], struct virtio_pci_layout *out,
		       char *err, size_t err_size)
{
	struct virtio_pci_region *r = &out->region[type];
	uint8_t cap_len = pci_cfg_read8(c, off + CAP_LEN);
	unsigned need = type == VIRTIO_PCI_CAP_NOTIFY_CFG ? NOTIFY_CAP_SIZE : CAP_SIZE;
	const struct pci_bar *b;

	r->bar = pci_cfg_read8(c, off + CAP_BAR);
	r->offset = pci_cfg_read32(c, off + CAP_OFFSET);
	r->length = pci_cfg_read32(c, off + CAP_LENGTH);
	if (cap_len < need || cap_len > PCI_CFG_SIZE - off) {
		fmt_snprintf(err, err_size, "%s capability at 0x%02x: length %u (needs %u)",
			     region_names[type], off, cap_len, need);
		return -EINVAL;
	}
	b = &bars[r->bar];
	if ((b->kind != PCI_BAR_MEM32 && b->kind != PCI_BAR_MEM64) || b->base == 0 ||
	    r->length < region_min[type] || r->offset > b->size ||
	    r->length > b->size - r->offset) {
		fmt_snprintf(err, err_size,
			     "%s region BAR%u+0x%x, 0x%x bytes: not inside a mapped memory BAR",
			     region_names[type], r->bar, r->offset, r->length);
		return -EINVAL;
	}
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		out->notify_off_multiplier = pci_cfg_read32(c, off + CAP_NOTIFY_MULT);
	r->present = true;
	return 0;
}

int virtio_pci_layout_read(const struct pci_cfg *c, const struct pci_caps *caps,
			   const struct pci_bar bars[PCI_NUM_BARS],
			   struct virtio_pci_layout *out, char *err, size_t err_size)
{
	unsigned from = 0;
	int off;

	memset(out, 0, sizeof(*out));
	while ((off = pci_caps_next(caps, PCI_CAP_ID_VENDOR, CAP_SIZE, &from)) >= 0) {
		uint8_t type = pci_cfg_read8(c, (uint16_t)off + CAP_CFG_TYPE);
		uint8_t bar = pci_cfg_read8(c, (uint16_t)off + CAP_BAR);

		/* 4.1.4: reserved BAR values and unknown types are ignored; the first of a type counts. */
		if (bar >= PCI_NUM_BARS || type == 0 || type >= VIRTIO_PCI_CAP_TYPES ||
		    out->region[type].present)
			continue;
		if (take_region(c, (uint8_t)off, type, bars, out, err, err_size))
			return -EINVAL;
	}
	for (uint8_t type = VIRTIO_PCI_CAP_COMMON_CFG; type <= VIRTIO_PCI_CAP_ISR_CFG; type++)
		if (!out->region[type].present) {
			fmt_snprintf(err, err_size, "no %s capability", region_names[type]);
			return -EINVAL;
		}
	return 0;
}

int virtio_pci_notify_offset(const struct virtio_pci_layout *l, uint16_t queue_notify_off,
			     uint32_t *offset)
{
	uint64_t off = (uint64_t)queue_notify_off * l->notify_off_multiplier;
	const struct virtio_pci_region *r = &l->region[VIRTIO_PCI_CAP_NOTIFY_CFG];

	if (off > r->length || 2 > r->length - off)
		return -EINVAL;
	*offset = (uint32_t)off;
	return 0;
}
