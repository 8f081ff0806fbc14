/*
 * PCI (kernel/dev/, see its README.md): configuration space through ECAM,
 * the devices of the buses the MCFG table covers, their BARs mapped
 * uncached in the device window, capability lists, and MSI-X.
 *
 * A device is untrusted input like any other: every capability pointer,
 * length and BAR a function reports is checked before it is used, and one
 * that lies gets a clear line in the log, never a fault. The decoding is
 * portable (pci_parse.c: kernel, host tests, fuzzers); the rest is the
 * kernel's (pci.c, msix.c).
 */
#ifndef CARAPACE_PCI_H
#define CARAPACE_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_CFG_SIZE        0x100  /* the conventional configuration space */
#define PCI_ECAM_FN_SIZE    0x1000 /* a function's space under ECAM, extended part included */
#define PCI_NUM_BARS        6
#define PCI_CAP_FIRST       0x40   /* capabilities lie after the standard header */
#define PCI_MAX_CAPS        48     /* (0x100 - 0x40) / 4: each dword at most once */

/* Configuration header offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_CLASS_REVISION  0x08
#define PCI_HEADER_TYPE     0x0e
#define PCI_BAR0            0x10
#define PCI_SUBSYSTEM_ID    0x2e
#define PCI_CAP_POINTER     0x34
#define PCI_SECONDARY_BUS   0x19   /* type 1 (bridge) header */

#define PCI_COMMAND_IO      0x0001
#define PCI_COMMAND_MEMORY  0x0002
#define PCI_COMMAND_MASTER  0x0004
#define PCI_COMMAND_INTX_OFF 0x0400
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_HEADER_MULTIFN  0x80
#define PCI_HEADER_BRIDGE   0x01

#define PCI_CAP_ID_VENDOR   0x09   /* vendor-specific: virtio's structures */
#define PCI_CAP_ID_MSIX     0x11

/*
 * One function's configuration space, reached through the caller: ECAM in
 * the kernel, a byte array in the tests. Offsets are 4-aligned and below
 * PCI_ECAM_FN_SIZE.
 */
struct pci_cfg {
	uint32_t (*read32)(void *ctx, uint16_t off);
	void (*write32)(void *ctx, uint16_t off, uint32_t v);
	void *ctx;
};

uint8_t pci_cfg_read8(const struct pci_cfg *c, uint16_t off);
uint16_t pci_cfg_read16(const struct pci_cfg *c, uint16_t off);
uint32_t pci_cfg_read32(const struct pci_cfg *c, uint16_t off);
void pci_cfg_write16(const struct pci_cfg *c, uint16_t off, uint16_t v);

struct pci_cap {
	uint8_t id, offset;
};

struct pci_caps {
	struct pci_cap cap[PCI_MAX_CAPS];
	unsigned count;
};

/*
 * Reads the capability list once, checked: each pointer 4-aligned (its two
 * low bits are reserved and masked, as the specification says), within
 * 0x40..0xfc, never visited twice, at most PCI_MAX_CAPS. 0 (no list: count
 * 0); -EINVAL with err saying what the device got wrong.
 */
int pci_caps_read(const struct pci_cfg *c, struct pci_caps *out, char *err, size_t err_size);

/*
 * The offset of the first capability id at or after index *from in caps
 * whose len bytes lie in the conventional space; *from moves past it, so
 * repeated calls list them all. -ENOENT when there is no more.
 */
int pci_caps_next(const struct pci_caps *caps, uint8_t id, unsigned len, unsigned *from);

enum pci_bar_kind {
	PCI_BAR_NONE,   /* not implemented, or the upper half of a 64-bit BAR */
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,
	PCI_BAR_IO,
};

struct pci_bar {
	enum pci_bar_kind kind;
	bool prefetchable;
	uint64_t base, size; /* base 0: the firmware assigned none */
};

/* Whether the BAR whose value is v takes the next slot too (64-bit memory). */
bool pci_bar_is_64(uint32_t v);

/*
 * Decodes BAR index from its value before (orig) and after (mask) all-ones
 * was written to it; hi and hi_mask are the same for the next BAR when it
 * is the upper half of a 64-bit one. Checks that the size is a power of
 * two, the base aligned to it, the range within 2^52 (memory) or 64 KiB
 * (I/O), the type not reserved and a 64-bit BAR not in the last slot.
 * 0; -EINVAL with err naming the BAR.
 */
int pci_bar_decode(unsigned index, uint32_t orig, uint32_t mask, uint32_t hi,
		   uint32_t hi_mask, struct pci_bar *out, char *err, size_t err_size);

/* Where MSI-X's table and pending-bit array lie (PCI 3.0, 6.8.2). */
struct pci_msix_info {
	uint8_t cap;          /* the capability's offset */
	uint16_t table_size;  /* entries, 1..2048 */
	uint8_t table_bar, pba_bar;
	uint32_t table_offset, pba_offset;
};

/*
 * Reads the MSI-X capability at cap (12 bytes) and checks the table
 * (16 bytes per entry) and the pending bits (one per entry, in 64-bit
 * words) against the BARs they name: a memory BAR, with base, wholly
 * inside it. 0; -EINVAL with err.
 */
int pci_msix_decode(const struct pci_cfg *c, uint8_t cap, const struct pci_bar bars[PCI_NUM_BARS],
		    struct pci_msix_info *out, char *err, size_t err_size);

/* Kernel only (pci.c, msix.c). */

struct pci_device {
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsystem;
	uint32_t class;       /* base class, subclass, programming interface */
	struct pci_cfg cfg;
	struct pci_bar bar[PCI_NUM_BARS];
	uint64_t bar_va[PCI_NUM_BARS]; /* mapped by pci_map_bar, else 0 */
	struct pci_caps caps;
	bool has_msix;
	struct pci_msix_info msix;
	volatile uint32_t *msix_table;
	struct pci_device *next;
};

/*
 * Finds ECAM through ACPI's MCFG and lists the functions of segment 0's
 * buses, following bridges. Once, at boot, after memory_init; prints one
 * line per function with the boot option verbose. The number of functions.
 */
unsigned pci_init(void);

/* The first function after prev (NULL: the first of all), or NULL. */
struct pci_device *pci_next(struct pci_device *prev);

/*
 * Maps BAR index (memory only) uncached and never executable in the device
 * window, once; its virtual address, or 0 (not a memory BAR, no base, or
 * the range overlaps RAM: a reason is logged).
 */
uint64_t pci_map_bar(struct pci_device *d, unsigned index);

/* Sets the command register's bits (PCI_COMMAND_MEMORY, _MASTER, ...). */
void pci_enable(struct pci_device *d, uint16_t command_bits);

/*
 * MSI-X entry `entry` delivers a fresh vector (VEC_DEVICE_FIRST..LAST) to
 * the boot CPU, and handler(arg) runs on it. Enables MSI-X for the function
 * (INTx off) on first use. The vector, or -ENODEV (no MSI-X, entry out of
 * range), -ENOSPC (no vector left), -ENOMEM.
 */
int pci_msix_enable(struct pci_device *d, unsigned entry, void (*handler)(void *), void *arg);
void pci_msix_mask(struct pci_device *d, unsigned entry, bool masked);

#endif
