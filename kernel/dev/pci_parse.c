/*
 * The portable part of PCI: decoding what a function reports in its
 * configuration space (capability list, BARs, MSI-X). A device may report
 * anything, so every pointer and size is checked here, before the kernel
 * maps or writes a byte on its word.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fmt.h>
#include <carapace/pci.h>

#define CAP_PTR_MASK        0xfc  /* the two low bits are reserved */
#define BAR_IO              0x1
#define BAR_MEM_TYPE_MASK   0x6
#define BAR_MEM_TYPE_32     0x0
#define BAR_MEM_TYPE_1M     0x2   /* PCI 2.x "below 1 MiB": decoded as 32-bit */
#define BAR_MEM_TYPE_64     0x4
#define BAR_MEM_PREFETCH    0x8
#define BAR_MEM_ADDR_MASK   0xfffffff0u
#define BAR_IO_ADDR_MASK    0xfffffffcu
#define IO_SPACE_LIMIT      0x10000
#define MEM_SPACE_LIMIT     (1ull << 52)

#define MSIX_CONTROL        2
#define MSIX_TABLE          4
#define MSIX_PBA            8
#define MSIX_CAP_SIZE       12
#define MSIX_SIZE_MASK      0x7ff
#define MSIX_BIR_MASK       0x7
#define MSIX_ENTRY_SIZE     16

uint32_t pci_cfg_read32(const struct pci_cfg *c, uint16_t off)
{
	return c->read32(c->ctx, off & ~3u);
}

uint16_t pci_cfg_read16(const struct pci_cfg *c, uint16_t off)
{
	return (uint16_t)(pci_cfg_read32(c, off) >> (8 * (off & 2)));
}

uint8_t pci_cfg_read8(const struct pci_cfg *c, uint16_t off)
{
	return (uint8_t)(pci_cfg_read32(c, off) >> (8 * (off & 3)));
}

/* A read-modify-write of the dword: ECAM in this kernel is reached 32 bits at a time. */
void pci_cfg_write16(const struct pci_cfg *c, uint16_t off, uint16_t v)
{
	unsigned shift = 8 * (off & 2);
	uint32_t old = pci_cfg_read32(c, off);

	old &= ~(0xffffu << shift);
	c->write32(c->ctx, off & ~3u, old | (uint32_t)v << shift);
}

int pci_caps_read(const struct pci_cfg *c, struct pci_caps *out, char *err, size_t err_size)
{
	uint8_t seen[PCI_CFG_SIZE / 4] = { 0 };
	uint8_t ptr;

	out->count = 0;
	if (!(pci_cfg_read16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = pci_cfg_read8(c, PCI_CAP_POINTER) & CAP_PTR_MASK;
	while (ptr != 0) {
		uint16_t header;

		if (ptr < PCI_CAP_FIRST) {
			fmt_snprintf(err, err_size,
				     "capability pointer 0x%02x points into the standard header", ptr);
			return -EINVAL;
		}
		if (seen[ptr / 4]) {
			fmt_snprintf(err, err_size, "capability list loops back to 0x%02x", ptr);
			return -EINVAL;
		}
		seen[ptr / 4] = 1;
		/* Each offset is seen once, so the list cannot outgrow the array. */
		header = pci_cfg_read16(c, ptr);
		out->cap[out->count].id = (uint8_t)header;
		out->cap[out->count].offset = ptr;
		out->count++;
		ptr = (uint8_t)(header >> 8) & CAP_PTR_MASK;
	}
	return 0;
}

int pci_caps_next(const struct pci_caps *caps, uint8_t id, unsigned len, unsigned *from)
{
	for (unsigned i = *from; i < caps->count; i++) {
		if (caps->cap[i].id != id)
			continue;
		*from = i + 1;
		if (len <= PCI_CFG_SIZE - caps->cap[i].offset)
			return caps->cap[i].offset;
	}
	*from = caps->count;
	return -ENOENT;
}

bool pci_bar_is_64(uint32_t v)
{
	return !(v & BAR_IO) && (v & BAR_MEM_TYPE_MASK) == BAR_MEM_TYPE_64;
}

/* An address mask that reads back as ones down to some bit, then zeros: a power-of-two size. */
static bool mask_contiguous(uint64_t size)
{
	return size != 0 && (size & (size - 1)) == 0;
}

static int decode_io(unsigned index, uint32_t orig, uint32_t mask, struct pci_bar *out,
		     char *err, size_t err_size)
{
	/* I/O BARs may hardwire their upper 16 bits to zero: look at the low 16 only. */
	uint32_t size = (~(mask & BAR_IO_ADDR_MASK) + 1) & 0xffff;
	uint32_t base = orig & BAR_IO_ADDR_MASK;

	if ((mask & BAR_IO_ADDR_MASK & 0xffff) == 0)
		return 0; /* no writable address bit: not implemented */
	if (!mask_contiguous(size) || base % size != 0 || base >= IO_SPACE_LIMIT ||
	    size > IO_SPACE_LIMIT - base) {
		fmt_snprintf(err, err_size, "BAR%u: I/O range 0x%x (mask 0x%08x) is implausible",
			     index, base, mask);
		return -EINVAL;
	}
	*out = (struct pci_bar){ .kind = PCI_BAR_IO, .base = base, .size = size };
	return 0;
}

int pci_bar_decode(unsigned index, uint32_t orig, uint32_t mask, uint32_t hi,
		   uint32_t hi_mask, struct pci_bar *out, char *err, size_t err_size)
{
	uint32_t type = orig & BAR_MEM_TYPE_MASK;
	uint64_t addr_mask, base, size;
	bool is64;

	memset(out, 0, sizeof(*out));
	if (orig & BAR_IO)
		return decode_io(index, orig, mask, out, err, err_size);
	if (type != BAR_MEM_TYPE_32 && type != BAR_MEM_TYPE_1M && type != BAR_MEM_TYPE_64) {
		fmt_snprintf(err, err_size, "BAR%u: reserved memory type (value 0x%08x)", index, orig);
		return -EINVAL;
	}
	is64 = type == BAR_MEM_TYPE_64;
	if (is64 && index + 1 >= PCI_NUM_BARS) {
		fmt_snprintf(err, err_size, "BAR%u: 64-bit, but the last BAR has no upper half",
			     index);
		return -EINVAL;
	}
	addr_mask = mask & BAR_MEM_ADDR_MASK;
	base = orig & BAR_MEM_ADDR_MASK;
	if (is64) {
		addr_mask |= (uint64_t)hi_mask << 32;
		base |= (uint64_t)hi << 32;
	} else {
		addr_mask |= 0xffffffff00000000ull; /* the upper bits cannot be set: as if ones */
	}
	if (addr_mask == 0 || (!is64 && (uint32_t)addr_mask == 0))
		return 0; /* not implemented */
	size = ~addr_mask + 1;
	if (!mask_contiguous(size) || base % size != 0 || base >= MEM_SPACE_LIMIT ||
	    size > MEM_SPACE_LIMIT - base) {
		fmt_snprintf(err, err_size,
			     "BAR%u: memory range 0x%llx (mask 0x%llx) is implausible", index,
			     (unsigned long long)base, (unsigned long long)addr_mask);
		return -EINVAL;
	}
	*out = (struct pci_bar){
		.kind = is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32,
		.prefetchable = orig & BAR_MEM_PREFETCH,
		.base = base, .size = size,
	};
	return 0;
}

/* Whether [offset, offset + len) lies in memory BAR bir, which has a base. */
static bool in_bar(const struct pci_bar bars[PCI_NUM_BARS], unsigned bir, uint64_t offset,
		   uint64_t len)
{
	const struct pci_bar *b;

	if (bir >= PCI_NUM_BARS)
		return false;
	b = &bars[bir];
	return (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64) && b->base != 0 &&
	       offset <= b->size && len <= b->size - offset;
}

int pci_msix_decode(const struct pci_cfg *c, uint8_t cap, const struct pci_bar bars[PCI_NUM_BARS],
		    struct pci_msix_info *out, char *err, size_t err_size)
{
	uint32_t table, pba;
	uint64_t pba_bytes;

	memset(out, 0, sizeof(*out));
	if (cap < PCI_CAP_FIRST || cap % 4 || MSIX_CAP_SIZE > PCI_CFG_SIZE - cap) {
		fmt_snprintf(err, err_size, "MSI-X capability at 0x%02x: out of place", cap);
		return -EINVAL;
	}
	out->cap = cap;
	out->table_size = (uint16_t)((pci_cfg_read16(c, cap + MSIX_CONTROL) & MSIX_SIZE_MASK) + 1);
	table = pci_cfg_read32(c, cap + MSIX_TABLE);
	pba = pci_cfg_read32(c, cap + MSIX_PBA);
	out->table_bar = table & MSIX_BIR_MASK;
	out->table_offset = table & ~MSIX_BIR_MASK;
	out->pba_bar = pba & MSIX_BIR_MASK;
	out->pba_offset = pba & ~MSIX_BIR_MASK;
	if (!in_bar(bars, out->table_bar, out->table_offset,
		    (uint64_t)out->table_size * MSIX_ENTRY_SIZE)) {
		fmt_snprintf(err, err_size,
			     "MSI-X table of %u entries at BAR%u+0x%x: outside a mapped memory BAR",
			     out->table_size, out->table_bar, out->table_offset);
		return -EINVAL;
	}
	pba_bytes = ((uint64_t)out->table_size + 63) / 64 * 8;
	if (!in_bar(bars, out->pba_bar, out->pba_offset, pba_bytes)) {
		fmt_snprintf(err, err_size,
			     "MSI-X pending bits at BAR%u+0x%x: outside a mapped memory BAR",
			     out->pba_bar, out->pba_offset);
		return -EINVAL;
	}
	return 0;
}
