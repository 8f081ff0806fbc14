/*
 * Fuzzes what a PCI function reports: the input is its 256-byte
 * configuration space, then the 24 bytes its BARs read back after all-ones
 * was written. Runs the capability walk, BAR decoding, the MSI-X
 * capability and virtio-pci's structures (kernel/dev/pci_parse.c,
 * virtio_pci_caps.c) and checks what pci.c and virtio_pci.c rely on: no
 * capability below 0x40 or twice, a decoded BAR a power of two in size,
 * aligned and in range, the MSI-X table and every virtio region inside
 * their BAR, a notify offset that fits, one-line messages.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/pci.h>
#include <carapace/virtio_pci.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MASK_BYTES (4 * PCI_NUM_BARS)

static uint8_t space[PCI_ECAM_FN_SIZE];

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t fake_read32(void *ctx, uint16_t off)
{
	(void)ctx;
	CHECK(off % 4 == 0 && off < PCI_CFG_SIZE);
	return get32(space + off);
}

static void fake_write32(void *ctx, uint16_t off, uint32_t v)
{
	(void)ctx;
	CHECK(off % 4 == 0 && off < PCI_CFG_SIZE);
	memcpy(space + off, &v, 4);
}

static void check_err(const char *err, size_t size)
{
	size_t len = strnlen(err, size);

	CHECK(len < size);
	CHECK(memchr(err, '\n', len) == NULL);
}

static bool inside(const struct pci_bar *b, uint64_t off, uint64_t len)
{
	return (b->kind == PCI_BAR_MEM32 || b->kind == PCI_BAR_MEM64) && b->base != 0 &&
	       off <= b->size && len <= b->size - off;
}

static void decode_bars(const uint8_t *masks, struct pci_bar bars[PCI_NUM_BARS])
{
	char err[160];

	memset(bars, 0, sizeof(struct pci_bar) * PCI_NUM_BARS);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		uint32_t orig = get32(space + PCI_BAR0 + 4 * i), mask = get32(masks + 4 * i);
		bool wide = pci_bar_is_64(orig) && i + 1 < PCI_NUM_BARS;
		uint32_t hi = wide ? get32(space + PCI_BAR0 + 4 * i + 4) : 0;
		uint32_t hi_mask = wide ? get32(masks + 4 * i + 4) : 0;
		struct pci_bar *b = &bars[i];

		err[0] = '\0';
		if (pci_bar_decode(i, orig, mask, hi, hi_mask, b, err, sizeof(err)) == 0 &&
		    b->kind != PCI_BAR_NONE) {
			CHECK(b->size != 0 && (b->size & (b->size - 1)) == 0);
			CHECK(b->base % b->size == 0);
			CHECK(b->base + b->size > b->base);
			CHECK(b->kind != PCI_BAR_IO || b->base + b->size <= 0x10000);
		}
		check_err(err, sizeof(err));
		if (pci_bar_is_64(orig))
			i++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pci_cfg cfg = { fake_read32, fake_write32, NULL };
	struct pci_bar bars[PCI_NUM_BARS];
	struct virtio_pci_layout layout;
	struct pci_msix_info msix;
	struct pci_caps caps;
	char err[160] = "";
	unsigned from = 0;
	uint32_t offset;
	int off;

	if (size < PCI_CFG_SIZE + MASK_BYTES)
		return 0;
	memcpy(space, data, PCI_CFG_SIZE);
	decode_bars(data + PCI_CFG_SIZE, bars);
	if (pci_caps_read(&cfg, &caps, err, sizeof(err))) {
		check_err(err, sizeof(err));
		return 0;
	}
	CHECK(caps.count <= PCI_MAX_CAPS);
	for (unsigned i = 0; i < caps.count; i++) {
		CHECK(caps.cap[i].offset >= PCI_CAP_FIRST && caps.cap[i].offset % 4 == 0);
		for (unsigned j = i + 1; j < caps.count; j++)
			CHECK(caps.cap[i].offset != caps.cap[j].offset);
	}
	off = pci_caps_next(&caps, PCI_CAP_ID_MSIX, 12, &from);
	if (off >= 0 && pci_msix_decode(&cfg, (uint8_t)off, bars, &msix, err, sizeof(err)) == 0) {
		CHECK(inside(&bars[msix.table_bar], msix.table_offset, msix.table_size * 16ull));
		CHECK(inside(&bars[msix.pba_bar], msix.pba_offset, (msix.table_size + 63) / 64 * 8));
	}
	check_err(err, sizeof(err));
	if (virtio_pci_layout_read(&cfg, &caps, bars, &layout, err, sizeof(err)) == 0) {
		for (unsigned t = VIRTIO_PCI_CAP_COMMON_CFG; t < VIRTIO_PCI_CAP_TYPES; t++) {
			const struct virtio_pci_region *r = &layout.region[t];

			CHECK(!r->present || (r->bar < PCI_NUM_BARS &&
					      inside(&bars[r->bar], r->offset, r->length)));
		}
		CHECK(layout.region[VIRTIO_PCI_CAP_COMMON_CFG].length >= VIRTIO_PCI_COMMON_CFG_SIZE);
		if (virtio_pci_notify_offset(&layout, get32(data + PCI_CFG_SIZE) & 0xffff,
					     &offset) == 0)
			CHECK((uint64_t)offset + 2 <=
			      layout.region[VIRTIO_PCI_CAP_NOTIFY_CFG].length);
	}
	check_err(err, sizeof(err));
	return 0;
}
