/*
 * virtio-pci, modern interface (virtio 1.x, 4.1; kernel/dev/). The
 * capability decoding is portable (virtio_pci_caps.c: kernel, host tests);
 * the transport (virtio_pci.c) registers each device with virtio_register,
 * so drivers reach it through carapace/virtio.h like a virtio-mmio one.
 */
#ifndef CARAPACE_VIRTIO_PCI_H
#define CARAPACE_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/pci.h>

#define VIRTIO_PCI_VENDOR          0x1af4
#define VIRTIO_PCI_MODERN_FIRST    0x1040 /* 4.1.2.1: 0x1040 + device ID */
#define VIRTIO_PCI_MODERN_LAST     0x107f
#define VIRTIO_PCI_TRANSITIONAL_FIRST 0x1000 /* legacy-capable: skipped */
#define VIRTIO_PCI_TRANSITIONAL_LAST  0x103f

/* cfg_type of struct virtio_pci_cap (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG  1
#define VIRTIO_PCI_CAP_NOTIFY_CFG  2
#define VIRTIO_PCI_CAP_ISR_CFG     3
#define VIRTIO_PCI_CAP_DEVICE_CFG  4
#define VIRTIO_PCI_CAP_TYPES       5      /* PCI_CFG (5) and beyond are not used */

/* struct virtio_pci_common_cfg as of virtio 1.0: the fields this driver uses. */
#define VIRTIO_PCI_COMMON_CFG_SIZE 0x38

struct virtio_pci_region {
	bool present;
	uint8_t bar;
	uint32_t offset, length; /* inside the BAR: checked */
};

struct virtio_pci_layout {
	struct virtio_pci_region region[VIRTIO_PCI_CAP_TYPES]; /* by cfg_type */
	uint32_t notify_off_multiplier;
};

/*
 * Reads the vendor capabilities of a function whose BARs are decoded: the
 * first of each type with a BAR number 0..5 counts (4.1.4), and must have a
 * long enough capability and a region of at least the size this driver
 * reads inside a memory BAR with an address. Common, notify and ISR are
 * required; the device configuration is optional. 0; -EINVAL with err.
 */
int virtio_pci_layout_read(const struct pci_cfg *c, const struct pci_caps *caps,
			   const struct pci_bar bars[PCI_NUM_BARS],
			   struct virtio_pci_layout *out, char *err, size_t err_size);

/*
 * The offset in the notify region where a queue whose queue_notify_off the
 * device reported is notified (4.1.4.4), when its 2 bytes fit in the
 * region. 0; -EINVAL.
 */
int virtio_pci_notify_offset(const struct virtio_pci_layout *l, uint16_t queue_notify_off,
			     uint32_t *offset);

/* Kernel only: registers every modern virtio-pci function pci_init found. */
void virtio_pci_init(void);

#endif
