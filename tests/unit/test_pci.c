/*
 * Tests for kernel/dev/pci_parse.c and virtio_pci_caps.c on a fake
 * configuration space: the capability walk (good lists, loops, pointers
 * into the header, reserved bits), BAR decoding (32/64-bit memory, I/O,
 * absent, lies about size and alignment), MSI-X's table and pending bits
 * checked against the BARs, and virtio-pci's structures and notify offsets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/pci.h>
#include <carapace/virtio_pci.h>

static uint8_t space[PCI_ECAM_FN_SIZE];
static char err[160];

static uint32_t fake_read32(void *ctx, uint16_t off)
{
	(void)ctx;
	assert_true(off % 4 == 0 && off < sizeof(space));
	return (uint32_t)space[off] | (uint32_t)space[off + 1] << 8 |
	       (uint32_t)space[off + 2] << 16 | (uint32_t)space[off + 3] << 24;
}

static void fake_write32(void *ctx, uint16_t off, uint32_t v)
{
	(void)ctx;
	assert_true(off % 4 == 0 && off < sizeof(space));
	for (int i = 0; i < 4; i++)
		space[off + i] = (uint8_t)(v >> (8 * i));
}

static const struct pci_cfg cfg = { fake_read32, fake_write32, NULL };

static int setup(void **state)
{
	(void)state;
	memset(space, 0, sizeof(space));
	err[0] = '\0';
	return 0;
}

/* A capability at off with id, pointing at next; the list starts at first. */
static void cap(uint8_t off, uint8_t id, uint8_t next)
{
	space[off] = id;
	space[off + 1] = next;
}

static void list_starts_at(uint8_t first)
{
	space[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	space[PCI_CAP_POINTER] = first;
}

static void test_caps_good(void **state)
{
	struct pci_caps caps;
	unsigned from = 0;

	(void)state;
	list_starts_at(0x43); /* reserved low bits: masked */
	cap(0x40, PCI_CAP_ID_MSIX, 0x98);
	cap(0x98, PCI_CAP_ID_VENDOR, 0x84);
	cap(0x84, PCI_CAP_ID_VENDOR, 0xfc);
	cap(0xfc, PCI_CAP_ID_VENDOR, 0x00);
	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), 0);
	assert_int_equal(caps.count, 4);
	assert_int_equal(caps.cap[1].offset, 0x98);
	assert_int_equal(pci_caps_next(&caps, PCI_CAP_ID_VENDOR, 16, &from), 0x98);
	assert_int_equal(pci_caps_next(&caps, PCI_CAP_ID_VENDOR, 16, &from), 0x84);
	/* 0xfc has 4 bytes before the end, not 16: skipped. */
	assert_int_equal(pci_caps_next(&caps, PCI_CAP_ID_VENDOR, 16, &from), -ENOENT);
	from = 0;
	assert_int_equal(pci_caps_next(&caps, PCI_CAP_ID_MSIX, 12, &from), 0x40);
}

static void test_caps_none(void **state)
{
	struct pci_caps caps;

	(void)state;
	space[PCI_CAP_POINTER] = 0x40; /* ignored: the status bit is clear */
	cap(0x40, PCI_CAP_ID_MSIX, 0x40);
	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), 0);
	assert_int_equal(caps.count, 0);
	list_starts_at(0);
	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), 0);
	assert_int_equal(caps.count, 0);
}

static const struct {
	uint8_t first, a_next, b_next;
	const char *msg;
} bad_lists[] = {
	{ 0x40, 0x40, 0, "capability list loops back to 0x40" },
	{ 0x40, 0x80, 0x40, "capability list loops back to 0x40" },
	{ 0x40, 0x80, 0x83, "capability list loops back to 0x80" },
	{ 0x3c, 0, 0, "capability pointer 0x3c points into the standard header" },
	{ 0x40, 0x10, 0, "capability pointer 0x10 points into the standard header" },
};

static void test_caps_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_lists) / sizeof(bad_lists[0]); i++) {
		struct pci_caps caps;

		setup(NULL);
		list_starts_at(bad_lists[i].first);
		cap(0x40, 1, bad_lists[i].a_next);
		cap(0x80, 2, bad_lists[i].b_next);
		assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_lists[i].msg);
	}
}

/* The longest list there can be: every dword from 0x40 once, then a loop. */
static void test_caps_longest(void **state)
{
	struct pci_caps caps;

	(void)state;
	list_starts_at(0x40);
	for (unsigned off = 0x40; off < 0x100; off += 4)
		cap((uint8_t)off, 7, (uint8_t)(off + 4 < 0x100 ? off + 4 : 0));
	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), 0);
	assert_int_equal(caps.count, PCI_MAX_CAPS);
	cap(0xfc, 7, 0x40);
	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "capability list loops back to 0x40");
}

static const struct {
	unsigned index;
	uint32_t orig, mask, hi, hi_mask;
	int rc;
	enum pci_bar_kind kind;
	uint64_t base, size;
	const char *msg;
} bars[] = {
	/* QEMU's virtio-pci: BAR1 the MSI-X table, BAR4 64-bit prefetchable. */
	{ 1, 0xfebd1000, 0xfffff000, 0, 0, 0, PCI_BAR_MEM32, 0xfebd1000, 0x1000, NULL },
	{ 4, 0xfe00000c, 0xffffc00c, 0, 0xffffffff, 0, PCI_BAR_MEM64, 0xfe000000, 0x4000, NULL },
	{ 4, 0x0000000c, 0xffffc00c, 0x80, 0xffffffff, 0, PCI_BAR_MEM64, 0x8000000000, 0x4000,
	  NULL },
	{ 0, 0x0000c001, 0xffffffe1, 0, 0, 0, PCI_BAR_IO, 0xc000, 0x20, NULL },
	{ 0, 0x0000c001, 0x0000ffe1, 0, 0, 0, PCI_BAR_IO, 0xc000, 0x20, NULL }, /* 16-bit decode */
	{ 2, 0, 0, 0, 0, 0, PCI_BAR_NONE, 0, 0, NULL },
	{ 2, 0x00000000, 0xfffff000, 0, 0, 0, PCI_BAR_MEM32, 0, 0x1000, NULL }, /* unassigned */
	{ 2, 0xfebd1000, 0xffff0f00, 0, 0, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR2: memory range 0xfebd1000 (mask 0xffffffffffff0f00) is implausible" },
	{ 2, 0xfebd1800, 0xfffff000, 0, 0, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR2: memory range 0xfebd1800 (mask 0xfffffffffffff000) is implausible" },
	{ 3, 0x00000006, 0xfffff006, 0, 0, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR3: reserved memory type (value 0x00000006)" },
	{ 5, 0xfe00000c, 0xffffc00c, 0, 0, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR5: 64-bit, but the last BAR has no upper half" },
	{ 0, 0x00000004, 0xfffff004, 0xffffffff, 0xffffffff, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR0: memory range 0xffffffff00000000 (mask 0xfffffffffffff000) is implausible" },
	{ 0, 0x0000fff1, 0xffffff01, 0, 0, -EINVAL, PCI_BAR_NONE, 0, 0,
	  "BAR0: I/O range 0xfff0 (mask 0xffffff01) is implausible" },
};

static void test_bar_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bars) / sizeof(bars[0]); i++) {
		struct pci_bar b;
		int rc = pci_bar_decode(bars[i].index, bars[i].orig, bars[i].mask, bars[i].hi,
					bars[i].hi_mask, &b, err, sizeof(err));

		assert_int_equal(rc, bars[i].rc);
		if (rc) {
			assert_string_equal(err, bars[i].msg);
			continue;
		}
		assert_int_equal(b.kind, bars[i].kind);
		assert_int_equal(b.base, bars[i].base);
		if (b.kind != PCI_BAR_NONE)
			assert_int_equal(b.size, bars[i].size);
	}
	assert_true(pci_bar_is_64(0xfe00000c));
	assert_false(pci_bar_is_64(0xfe000000));
	assert_false(pci_bar_is_64(0x0000c005)); /* I/O, whatever bit 2 says */
}

static const struct pci_bar msix_bars[PCI_NUM_BARS] = {
	[1] = { PCI_BAR_MEM32, false, 0xfebd1000, 0x1000 },
	[2] = { PCI_BAR_MEM32, false, 0, 0x1000 },   /* unassigned */
	[3] = { PCI_BAR_IO, false, 0xc000, 0x1000 },
	[4] = { PCI_BAR_MEM64, true, 0xfe000000, 0x4000 },
};

static void msix_cap(uint8_t at, uint16_t size, uint32_t table, uint32_t pba)
{
	space[at] = PCI_CAP_ID_MSIX;
	space[at + 2] = (uint8_t)(size - 1);
	space[at + 3] = (uint8_t)((size - 1) >> 8);
	fake_write32(NULL, at + 4, table);
	fake_write32(NULL, at + 8, pba);
}

static const struct {
	uint8_t at;
	uint16_t size;
	uint32_t table, pba;
	const char *msg;
} msix_cases[] = {
	{ 0x98, 3, 0x0001, 0x0801, NULL },  /* QEMU's virtio-pci: BAR1 0 and 0x800 */
	{ 0x98, 256, 0x0001, 0x0ff9, "MSI-X pending bits at BAR1+0xff8: outside a mapped memory BAR" },
	{ 0x98, 257, 0x0001, 0x0004,
	  "MSI-X table of 257 entries at BAR1+0x0: outside a mapped memory BAR" },
	{ 0x98, 2048, 0x3ff8, 0x0004,
	  "MSI-X table of 2048 entries at BAR0+0x3ff8: outside a mapped memory BAR" },
	{ 0x98, 1, 0x0002, 0x0801, "MSI-X table of 1 entries at BAR2+0x0: outside a mapped memory BAR" },
	{ 0x98, 1, 0x0003, 0x0801, "MSI-X table of 1 entries at BAR3+0x0: outside a mapped memory BAR" },
	{ 0x98, 1, 0x0007, 0x0801, "MSI-X table of 1 entries at BAR7+0x0: outside a mapped memory BAR" },
	{ 0x98, 1, 0xfffffff9, 0x0801,
	  "MSI-X table of 1 entries at BAR1+0xfffffff8: outside a mapped memory BAR" },
	{ 0xf8, 1, 0x0001, 0x0801, "MSI-X capability at 0xf8: out of place" },
	{ 0x3c, 1, 0x0001, 0x0801, "MSI-X capability at 0x3c: out of place" },
};

static void test_msix_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(msix_cases) / sizeof(msix_cases[0]); i++) {
		struct pci_msix_info m;
		int rc;

		setup(NULL);
		if (msix_cases[i].at + 12 <= PCI_CFG_SIZE)
			msix_cap(msix_cases[i].at, msix_cases[i].size, msix_cases[i].table,
				 msix_cases[i].pba);
		rc = pci_msix_decode(&cfg, msix_cases[i].at, msix_bars, &m, err, sizeof(err));
		if (!msix_cases[i].msg) {
			assert_int_equal(rc, 0);
			assert_int_equal(m.table_size, msix_cases[i].size);
			assert_int_equal(m.table_bar, 1);
			assert_int_equal(m.pba_offset, 0x800);
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		assert_string_equal(err, msix_cases[i].msg);
	}
}

static void test_cfg_access(void **state)
{
	(void)state;
	fake_write32(NULL, PCI_COMMAND, 0x00100007);
	assert_int_equal(pci_cfg_read16(&cfg, PCI_COMMAND), 0x0007);
	assert_int_equal(pci_cfg_read16(&cfg, PCI_STATUS), 0x0010);
	assert_int_equal(pci_cfg_read8(&cfg, PCI_STATUS), 0x10);
	pci_cfg_write16(&cfg, PCI_COMMAND, 0x0406);
	assert_int_equal(pci_cfg_read32(&cfg, PCI_COMMAND), 0x00100406);
	pci_cfg_write16(&cfg, PCI_STATUS, 0xabcd);
	assert_int_equal(pci_cfg_read32(&cfg, PCI_COMMAND), 0xabcd0406);
}

/* A virtio vendor capability at off: cfg_type, BAR, offset, length (and multiplier). */
static void virtio_cap(uint8_t off, uint8_t next, uint8_t cap_len, uint8_t type, uint8_t bar,
		       uint32_t offset, uint32_t length, uint32_t mult)
{
	cap(off, PCI_CAP_ID_VENDOR, next);
	space[off + 2] = cap_len;
	space[off + 3] = type;
	space[off + 4] = bar;
	fake_write32(NULL, off + 8, offset);
	fake_write32(NULL, off + 12, length);
	if (cap_len >= 20)
		fake_write32(NULL, off + 16, mult);
}

/* QEMU's layout: common, ISR, device, notify in BAR4 (16 KiB), 4 KiB apart. */
static void qemu_virtio_caps(void)
{
	list_starts_at(0x84);
	virtio_cap(0x84, 0x70, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000, 0);
	virtio_cap(0x70, 0x60, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000, 0);
	virtio_cap(0x60, 0x4c, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000, 0);
	virtio_cap(0x4c, 0x98, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 4);
	virtio_cap(0x98, 0x00, 20, 5 /* PCI_CFG: not used */, 0, 0, 0, 0);
}

static int read_layout(struct virtio_pci_layout *l)
{
	struct pci_caps caps;

	assert_int_equal(pci_caps_read(&cfg, &caps, err, sizeof(err)), 0);
	return virtio_pci_layout_read(&cfg, &caps, msix_bars, l, err, sizeof(err));
}

static void test_virtio_layout_good(void **state)
{
	struct virtio_pci_layout l;
	uint32_t off;

	(void)state;
	qemu_virtio_caps();
	assert_int_equal(read_layout(&l), 0);
	assert_int_equal(l.region[VIRTIO_PCI_CAP_NOTIFY_CFG].offset, 0x3000);
	assert_true(l.region[VIRTIO_PCI_CAP_DEVICE_CFG].present);
	assert_int_equal(l.notify_off_multiplier, 4);
	assert_int_equal(virtio_pci_notify_offset(&l, 1, &off), 0);
	assert_int_equal(off, 4);
	assert_int_equal(virtio_pci_notify_offset(&l, 0x3ff, &off), 0);
	assert_int_equal(off, 0xffc);
	assert_int_equal(virtio_pci_notify_offset(&l, 0x400, &off), -EINVAL);
	l.notify_off_multiplier = 0xffffffff; /* a lie: 65535 * 2^32 must not wrap */
	assert_int_equal(virtio_pci_notify_offset(&l, 0xffff, &off), -EINVAL);
}

/* A capability naming a reserved BAR is skipped; the next of its type counts. */
static void test_virtio_layout_reserved_bar(void **state)
{
	struct virtio_pci_layout l;

	(void)state;
	qemu_virtio_caps();
	virtio_cap(0x98, 0x00, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000, 0);
	virtio_cap(0x84, 0x70, 16, VIRTIO_PCI_CAP_COMMON_CFG, 7, 0xdead0000, 0x10, 0);
	assert_int_equal(read_layout(&l), 0);
	assert_int_equal(l.region[VIRTIO_PCI_CAP_COMMON_CFG].bar, 4);
	assert_int_equal(l.region[VIRTIO_PCI_CAP_COMMON_CFG].length, 0x1000);
}

static const struct {
	uint8_t at, cap_len, type, bar;
	uint32_t offset, length;
	const char *msg;
} bad_virtio_caps[] = {
	{ 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x20,
	  "common region BAR4+0x0, 0x20 bytes: not inside a mapped memory BAR" },
	{ 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x3f00, 0x200,
	  "common region BAR4+0x3f00, 0x200 bytes: not inside a mapped memory BAR" },
	{ 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0xfffffff0, 0x20,
	  "common region BAR4+0xfffffff0, 0x20 bytes: not inside a mapped memory BAR" },
	{ 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 3, 0, 0x1000,
	  "common region BAR3+0x0, 0x1000 bytes: not inside a mapped memory BAR" },
	{ 0x84, 16, VIRTIO_PCI_CAP_COMMON_CFG, 2, 0, 0x1000,
	  "common region BAR2+0x0, 0x1000 bytes: not inside a mapped memory BAR" },
	{ 0x84, 12, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000,
	  "common capability at 0x84: length 12 (needs 16)" },
	{ 0x4c, 16, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000,
	  "notify capability at 0x4c: length 16 (needs 20)" },
	{ 0x70, 16, 8 /* shared memory: not used, so ISR is missing */, 4, 0, 0x1000,
	  "no isr capability" },
};

static void test_virtio_layout_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_virtio_caps) / sizeof(bad_virtio_caps[0]); i++) {
		struct virtio_pci_layout l;
		uint8_t next;

		setup(NULL);
		qemu_virtio_caps();
		next = space[bad_virtio_caps[i].at + 1];
		virtio_cap(bad_virtio_caps[i].at, next, bad_virtio_caps[i].cap_len,
			   bad_virtio_caps[i].type, bad_virtio_caps[i].bar, bad_virtio_caps[i].offset,
			   bad_virtio_caps[i].length, 4);
		assert_int_equal(read_layout(&l), -EINVAL);
		assert_string_equal(err, bad_virtio_caps[i].msg);
	}
}

/* The last capability's 16 bytes would run past 0x100: not read at all. */
static void test_virtio_cap_at_the_end(void **state)
{
	struct virtio_pci_layout l;

	(void)state;
	qemu_virtio_caps();
	space[0x99] = 0xf8;
	space[0xf8] = PCI_CAP_ID_VENDOR;
	space[0xfb] = VIRTIO_PCI_CAP_COMMON_CFG;
	assert_int_equal(read_layout(&l), 0);
	assert_int_equal(l.region[VIRTIO_PCI_CAP_COMMON_CFG].offset, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_caps_good, setup),
		cmocka_unit_test_setup(test_caps_none, setup),
		cmocka_unit_test_setup(test_caps_bad, setup),
		cmocka_unit_test_setup(test_caps_longest, setup),
		cmocka_unit_test_setup(test_bar_decode, setup),
		cmocka_unit_test_setup(test_msix_decode, setup),
		cmocka_unit_test_setup(test_cfg_access, setup),
		cmocka_unit_test_setup(test_virtio_layout_good, setup),
		cmocka_unit_test_setup(test_virtio_layout_reserved_bar, setup),
		cmocka_unit_test_setup(test_virtio_layout_bad, setup),
		cmocka_unit_test_setup(test_virtio_cap_at_the_end, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
