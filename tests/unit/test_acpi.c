/*
 * Tests for kernel/dev/acpi.c: the MADT, MCFG and MP table parsers on built
 * tables (good, corrupted, truncated, absurd), and the whole search through
 * a fake physical memory whose reader checks that every mapping is given
 * back.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/acpi.h>

#define MEM_SIZE  0x200000 /* the fake machine's physical memory: 2 MiB */
#define F_SEG     0xf0000
#define TABLES    0x100000 /* where the tests put RSDT, XSDT and MADT */

static uint8_t *mem;
static int maps_outstanding;
static char err[160];

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* A table under construction: header, then entries appended. */
struct table {
	uint8_t b[8192];
	size_t len;
};

static void table_start(struct table *t, const char *sig, size_t fixed)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = 1; /* revision */
	t->len = fixed;
}

static void table_add(struct table *t, const uint8_t *e, size_t n)
{
	memcpy(t->b + t->len, e, n);
	t->len += n;
}

/* Sets the length and the checksum (byte 9 for ACPI tables). */
static void table_finish(struct table *t)
{
	put32(t->b + 4, (uint32_t)t->len);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum(t->b, t->len);
}

static void madt_lapic(struct table *t, uint8_t apic_id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, 0, apic_id };

	put32(e + 4, flags);
	table_add(t, e, sizeof(e));
}

static void madt_x2apic(struct table *t, uint32_t apic_id, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };

	put32(e + 4, apic_id);
	put32(e + 8, flags);
	table_add(t, e, sizeof(e));
}

static void madt_start(struct table *t)
{
	table_start(t, "APIC", 44);
	put32(t->b + 36, 0xfee00000);
}

static void test_madt_good(void **state)
{
	struct table t;
	struct acpi_cpus c = { 0 };
	uint8_t ioapic[12] = { 1, 12 }, override[12] = { 5, 12 };

	(void)state;
	madt_start(&t);
	madt_lapic(&t, 0, 1);
	madt_lapic(&t, 1, 1);
	madt_lapic(&t, 2, 0);         /* disabled */
	madt_lapic(&t, 3, 2);         /* online-capable only: not enabled now */
	table_add(&t, ioapic, sizeof(ioapic));
	madt_lapic(&t, 0xff, 1);      /* the broadcast ID: never a CPU */
	madt_x2apic(&t, 300, 1);
	madt_x2apic(&t, 0xffffffff, 1);
	madt_lapic(&t, 1, 1);         /* a duplicate */
	put64(override + 4, 0xfed00000);
	table_add(&t, override, sizeof(override));
	table_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 3);
	assert_int_equal(c.apic_id[0], 0);
	assert_int_equal(c.apic_id[1], 1);
	assert_int_equal(c.apic_id[2], 300);
	assert_int_equal(c.disabled, 2);
	assert_int_equal(c.dropped, 1);
	assert_int_equal(c.lapic_phys, 0xfed00000);
	assert_string_equal(c.source, "acpi-madt");
}

static void madt_ioapic(struct table *t, uint8_t id, uint32_t phys, uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id };

	put32(e + 4, phys);
	put32(e + 8, gsi_base);
	table_add(t, e, sizeof(e));
}

static void madt_override(struct table *t, uint8_t bus, uint8_t irq, uint32_t gsi,
			  uint16_t flags)
{
	uint8_t e[10] = { 2, 10, bus, irq };

	put32(e + 4, gsi);
	put16(e + 8, flags);
	table_add(t, e, sizeof(e));
}

/* QEMU's microvm with two I/O APICs, and q35's overrides of IRQ 0 and 9. */
static void test_madt_ioapics(void **state)
{
	struct table t;
	struct acpi_cpus c = { 0 };
	uint32_t gsi;
	bool level, low;

	(void)state;
	madt_start(&t);
	madt_lapic(&t, 0, 1);
	madt_ioapic(&t, 0, 0xfec00000, 0);
	madt_ioapic(&t, 1, 0xfec10000, 24);
	madt_override(&t, 0, 0, 2, 0);
	madt_override(&t, 0, 9, 9, ACPI_IRQ_LEVEL | 1);
	madt_override(&t, 0, 11, 40, ACPI_IRQ_ACTIVE_LOW);
	table_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ioapic_count, 2);
	assert_int_equal(c.ioapic[1].phys, 0xfec10000);
	assert_int_equal(c.ioapic[1].gsi_base, 24);
	assert_int_equal(c.ioapic[1].id, 1);
	assert_int_equal(c.override_count, 3);
	assert_int_equal(c.irq_dropped, 0);
	assert_int_equal(acpi_isa_irq(&c, 0, &gsi, &level, &low), 0);
	assert_true(gsi == 2 && !level && !low);
	assert_int_equal(acpi_isa_irq(&c, 9, &gsi, &level, &low), 0);
	assert_true(gsi == 9 && level && !low);
	assert_int_equal(acpi_isa_irq(&c, 11, &gsi, &level, &low), 0);
	assert_true(gsi == 40 && !level && low);
	assert_int_equal(acpi_isa_irq(&c, 4, &gsi, &level, &low), 0);
	assert_true(gsi == 4 && !level && !low);
	assert_int_equal(acpi_isa_irq(&c, 16, &gsi, &level, &low), -EINVAL);
}

/*
 * Each case adds one unsound I/O APIC or override after a good one of
 * each: it is left out and counted, and the CPUs are still found.
 */
static const struct {
	const char *what;
	bool ioapic;
	uint8_t a, b;      /* I/O APIC: id; override: bus, irq */
	uint32_t phys_or_gsi, gsi_base;
	uint16_t flags;
} bad_irq_entries[] = {
	{ "I/O APIC at 0", true, 5, 0, 0, 48, 0 },
	{ "I/O APIC unaligned", true, 5, 0, 0xfec20004, 48, 0 },
	{ "I/O APIC with a repeated ID", true, 0, 0, 0xfec20000, 48, 0 },
	{ "I/O APIC at a repeated address", true, 5, 0, 0xfec00000, 48, 0 },
	{ "I/O APIC at a repeated GSI base", true, 5, 0, 0xfec20000, 0, 0 },
	{ "override of another bus", false, 1, 4, 4, 0, 0 },
	{ "override of IRQ 16", false, 0, 16, 16, 0, 0 },
	{ "override with the reserved polarity", false, 0, 4, 4, 0, 2 },
	{ "override with the reserved trigger", false, 0, 4, 4, 0, 8 },
	{ "override of an IRQ already overridden", false, 0, 0, 5, 0, 0 },
};

static void test_madt_ioapic_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_irq_entries) / sizeof(bad_irq_entries[0]); i++) {
		struct table t;
		struct acpi_cpus c = { 0 };

		madt_start(&t);
		madt_lapic(&t, 0, 1);
		madt_ioapic(&t, 0, 0xfec00000, 0);
		madt_override(&t, 0, 0, 2, 0);
		if (bad_irq_entries[i].ioapic)
			madt_ioapic(&t, bad_irq_entries[i].a, bad_irq_entries[i].phys_or_gsi,
				    bad_irq_entries[i].gsi_base);
		else
			madt_override(&t, bad_irq_entries[i].a, bad_irq_entries[i].b,
				      bad_irq_entries[i].phys_or_gsi, bad_irq_entries[i].flags);
		table_finish(&t);
		print_message("%s\n", bad_irq_entries[i].what);
		assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), 0);
		assert_int_equal(c.count, 1);
		assert_int_equal(c.ioapic_count, 1);
		assert_int_equal(c.override_count, 1);
		assert_int_equal(c.override[0].gsi, 2);
		assert_int_equal(c.irq_dropped, 1);
	}
}

/* Entries too short for their fields, and more I/O APICs than kept. */
static void test_madt_ioapic_short_and_many(void **state)
{
	static const uint8_t short_ioapic[11] = { 1, 11 }, short_override[9] = { 2, 9 };
	struct table t;
	struct acpi_cpus c = { 0 };

	(void)state;
	madt_start(&t);
	madt_lapic(&t, 0, 1);
	table_add(&t, short_ioapic, sizeof(short_ioapic));
	table_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI APIC: entry of type 1 at offset 52 has bad length 11");
	madt_start(&t);
	madt_lapic(&t, 0, 1);
	table_add(&t, short_override, sizeof(short_override));
	table_finish(&t);
	memset(&c, 0, sizeof(c));
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI APIC: entry of type 2 at offset 52 has bad length 9");
	madt_start(&t);
	madt_lapic(&t, 0, 1);
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 3; i++)
		madt_ioapic(&t, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	table_finish(&t);
	memset(&c, 0, sizeof(c));
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(c.irq_dropped, 3);
}

/* Each case breaks one thing in a good MADT; the parser must refuse it. */
enum breakage { BAD_SUM, BAD_SIG, LEN_ABSURD, LEN_BEYOND, LEN_SHORT, ENTRY_ZERO,
		ENTRY_OVERRUN, ENTRY_SHORT_X2APIC, TRUNCATED_HEADER };

static const struct {
	enum breakage how;
	const char *msg;
} bad_madts[] = {
	{ BAD_SUM, "ACPI APIC: bad checksum" },
	{ BAD_SIG, "ACPI APIC: wrong signature" },
	{ LEN_ABSURD, "ACPI APIC: absurd length 4294967295" },
	{ LEN_BEYOND, "ACPI APIC: length 4000 beyond the 60 bytes readable" },
	{ LEN_SHORT, "ACPI APIC: too short for its fixed fields" },
	{ ENTRY_ZERO, "ACPI APIC: entry of type 0 at offset 44 has bad length 0" },
	{ ENTRY_OVERRUN, "ACPI APIC: entry of type 0 at offset 52 has bad length 200" },
	{ ENTRY_SHORT_X2APIC, "ACPI APIC: entry of type 9 at offset 52 has bad length 8" },
	{ TRUNCATED_HEADER, "ACPI APIC: truncated header" },
};

static void test_madt_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_madts) / sizeof(bad_madts[0]); i++) {
		struct table t;
		struct acpi_cpus c = { 0 };
		size_t len;

		madt_start(&t);
		madt_lapic(&t, 0, 1);
		madt_lapic(&t, 1, 1);
		table_finish(&t);
		len = t.len;
		switch (bad_madts[i].how) {
		case BAD_SUM: t.b[40] ^= 1; break;
		case BAD_SIG: t.b[0] = 'X'; break;
		case LEN_ABSURD: put32(t.b + 4, 0xffffffff); break;
		case LEN_BEYOND: put32(t.b + 4, 4000); break;
		case LEN_SHORT: t.len = 40; table_finish(&t); len = t.len; break;
		case ENTRY_ZERO: t.b[45] = 0; table_finish(&t); break;
		case ENTRY_OVERRUN: t.b[53] = 200; table_finish(&t); break;
		case ENTRY_SHORT_X2APIC: t.b[52] = 9; table_finish(&t); break;
		case TRUNCATED_HEADER: len = 20; break;
		}
		assert_int_equal(acpi_parse_madt(t.b, len, &c, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_madts[i].msg);
	}
}

static void test_madt_too_many(void **state)
{
	static struct table t;
	struct acpi_cpus c = { 0 };

	(void)state;
	madt_start(&t);
	for (uint32_t id = 0; id < ACPI_MAX_CPUS + 10; id++)
		madt_x2apic(&t, id, 1);
	table_finish(&t);
	assert_int_equal(acpi_parse_madt(t.b, t.len, &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, ACPI_MAX_CPUS);
	assert_int_equal(c.dropped, 10);
}

/* The fake physical memory's reader: counts what is outstanding. */
static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	maps_outstanding++;
	return mem + phys;
}

static void fake_release(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
	maps_outstanding--;
}

static const struct acpi_reader reader = { fake_map, fake_release, NULL };

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	maps_outstanding = 0;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(maps_outstanding, 0);
	free(mem);
	return 0;
}

static void put_rsdp(uint64_t at, uint32_t rsdt, uint64_t xsdt, int rev)
{
	uint8_t *p = mem + at;

	memcpy(p, "RSD PTR ", 8);
	p[15] = (uint8_t)rev;
	put32(p + 16, rsdt);
	p[8] = (uint8_t)-sum(p, 20);
	if (rev >= 2) {
		put32(p + 20, 36);
		put64(p + 24, xsdt);
		p[32] = (uint8_t)-sum(p, 36);
	}
}

static void put_table(uint64_t at, struct table *t)
{
	memcpy(mem + at, t->b, t->len);
}

/* RSDT -> [a dummy FACP, the MADT], MADT with cpus 0..n-1. */
static void put_acpi(int n, bool xsdt)
{
	struct table root, facp, madt;
	uint64_t facp_at = TABLES + 0x1000, madt_at = TABLES + 0x2000;

	table_start(&facp, "FACP", 36);
	table_finish(&facp);
	put_table(facp_at, &facp);
	madt_start(&madt);
	for (int i = 0; i < n; i++)
		madt_lapic(&madt, (uint8_t)i, 1);
	table_finish(&madt);
	put_table(madt_at, &madt);
	table_start(&root, xsdt ? "XSDT" : "RSDT", 36);
	if (xsdt) {
		uint8_t e[16];

		put64(e, facp_at);
		put64(e + 8, madt_at);
		table_add(&root, e, 16);
	} else {
		uint8_t e[8];

		put32(e, (uint32_t)facp_at);
		put32(e + 4, (uint32_t)madt_at);
		table_add(&root, e, 8);
	}
	table_finish(&root);
	put_table(TABLES, &root);
	put_rsdp(F_SEG + 0x3000, xsdt ? 0 : TABLES, xsdt ? TABLES : 0, xsdt ? 2 : 0);
}

static void test_find_rsdt(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_acpi(4, false);
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 4);
	assert_string_equal(c.source, "acpi-madt");
}

static void test_find_xsdt(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_acpi(2, true);
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 2);
}

static void test_find_nothing(void **state)
{
	struct acpi_cpus c;

	(void)state;
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "neither an ACPI RSDP nor an MP table");
	assert_int_equal(c.count, 0);
}

static void test_find_bad_rsdp_checksum(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_acpi(4, false);
	mem[F_SEG + 0x3000 + 8] ^= 0xff;
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), -ENOENT);
}

static void test_find_rsdt_out_of_memory(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_rsdp(F_SEG, 0xfff00000, 0, 0);
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI RSDT: address 0xfff00000 cannot be read");
	assert_int_equal(c.count, 0);
}

static void test_find_bad_madt_no_partial_result(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_acpi(4, false);
	mem[TABLES + 0x2000 + 50] ^= 1; /* inside the first entry: checksum now wrong */
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI APIC: bad checksum");
	assert_int_equal(c.count, 0);
}

/* An MP table as qboot (microvm) writes it: entry count 0, length decides. */
static void put_mp(uint64_t fp_at, uint64_t cfg_at, int ncpus, bool count_field)
{
	uint8_t *fp = mem + fp_at, *cfg = mem + cfg_at;
	size_t len = 44;

	memcpy(fp, "_MP_", 4);
	put32(fp + 4, (uint32_t)cfg_at);
	fp[8] = 1;
	fp[9] = 4;
	fp[10] = (uint8_t)-sum(fp, 16);
	memcpy(cfg, "PCMP", 4);
	put32(cfg + 36, 0xfee00000);
	for (int i = 0; i < ncpus; i++) {
		uint8_t *e = cfg + len;

		e[0] = 0;
		e[1] = (uint8_t)i;
		e[3] = i == 2 ? 0 : 1; /* cpu 2 disabled */
		len += 20;
	}
	cfg[len] = 2; /* an I/O APIC entry */
	len += 8;
	put16(cfg + 4, (uint16_t)len);
	put16(cfg + 34, count_field ? (uint16_t)(ncpus + 1) : 0);
	cfg[7] = (uint8_t)-sum(cfg, len);
}

static void test_find_mp(void **state)
{
	struct acpi_cpus c;

	(void)state;
	for (int with_count = 0; with_count < 2; with_count++) {
		memset(mem, 0, MEM_SIZE);
		put_mp(0x9fc00, 0x9fc10, 4, with_count);
		assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), 0);
		assert_int_equal(c.count, 3);
		assert_int_equal(c.disabled, 1);
		assert_string_equal(c.source, "mp-table");
	}
}

static void test_find_mp_bad(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_mp(F_SEG, F_SEG + 0x100, 2, true);
	mem[F_SEG + 0x100 + 44] = 7; /* an unknown entry type */
	mem[F_SEG + 0x100 + 7] -= 7;
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "MP table: entry 0 is of an unknown type 7");
}

/* A broken ACPI with a good MP table: the MP table wins. */
static void test_find_acpi_broken_mp_good(void **state)
{
	struct acpi_cpus c;

	(void)state;
	put_acpi(4, false);
	mem[TABLES + 9] ^= 1; /* RSDT checksum */
	put_mp(0x9fc00, 0x9fc10, 2, true);
	assert_int_equal(acpi_find_cpus(&reader, &c, err, sizeof(err)), 0);
	assert_int_equal(c.count, 2);
	assert_string_equal(c.source, "mp-table");
}

static void mcfg_entry(struct table *t, uint64_t base, uint16_t segment, uint8_t start,
		       uint8_t end)
{
	uint8_t e[16] = { 0 };

	put64(e, base);
	put16(e + 8, segment);
	e[10] = start;
	e[11] = end;
	table_add(t, e, sizeof(e));
}

static void test_mcfg_good(void **state)
{
	struct table t;
	struct acpi_mcfg m;

	(void)state;
	table_start(&t, "MCFG", 44);
	mcfg_entry(&t, 0xb0000000, 0, 0, 255);
	mcfg_entry(&t, 0x4000000000, 1, 16, 31);
	table_finish(&t);
	assert_int_equal(acpi_parse_mcfg(t.b, t.len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.ecam[0].base, 0xb0000000);
	assert_int_equal(m.ecam[0].bus_end, 255);
	assert_int_equal(m.ecam[1].segment, 1);
	assert_int_equal(m.ecam[1].bus_start, 16);
	assert_int_equal(m.dropped, 0);
}

/* Each case makes one MCFG entry (or the table) implausible. */
static const struct {
	uint64_t base;
	uint8_t start, end;
	size_t extra;       /* bytes after the entry: not a whole entry */
	const char *msg;
} bad_mcfgs[] = {
	{ 0, 0, 255, 0, "ACPI MCFG: entry at offset 44 is implausible (base 0x0, buses 0-255)" },
	{ 0xb0080000, 0, 0, 0,
	  "ACPI MCFG: entry at offset 44 is implausible (base 0xb0080000, buses 0-0)" },
	{ 0xb0000000, 5, 4, 0,
	  "ACPI MCFG: entry at offset 44 is implausible (base 0xb0000000, buses 5-4)" },
	{ 0xffffffffff00000, 0, 255, 0,
	  "ACPI MCFG: entry at offset 44 is implausible (base 0xffffffffff00000, buses 0-255)" },
	{ 0xfffffff00000000, 0, 0, 0,
	  "ACPI MCFG: entry at offset 44 is implausible (base 0xfffffff00000000, buses 0-0)" },
	{ 0xb0000000, 0, 255, 8, "ACPI MCFG: length 68 is not its fixed fields and whole entries" },
};

static void test_mcfg_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_mcfgs) / sizeof(bad_mcfgs[0]); i++) {
		struct table t;
		struct acpi_mcfg m;
		uint8_t pad[16] = { 0 };

		table_start(&t, "MCFG", 44);
		mcfg_entry(&t, bad_mcfgs[i].base, 0, bad_mcfgs[i].start, bad_mcfgs[i].end);
		table_add(&t, pad, bad_mcfgs[i].extra);
		table_finish(&t);
		assert_int_equal(acpi_parse_mcfg(t.b, t.len, &m, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_mcfgs[i].msg);
		assert_int_equal(m.count, 0);
	}
}

static void test_mcfg_short_and_many(void **state)
{
	struct table t;
	struct acpi_mcfg m;

	(void)state;
	table_start(&t, "MCFG", 40); /* not even the reserved bytes */
	table_finish(&t);
	assert_int_equal(acpi_parse_mcfg(t.b, t.len, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI MCFG: length 40 is not its fixed fields and whole entries");
	table_start(&t, "MCFG", 44);
	for (unsigned i = 0; i < ACPI_MAX_ECAM + 3; i++)
		mcfg_entry(&t, 0xb0000000 + ((uint64_t)i << 28), (uint16_t)i, 0, 255);
	table_finish(&t);
	assert_int_equal(acpi_parse_mcfg(t.b, t.len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.count, ACPI_MAX_ECAM);
	assert_int_equal(m.dropped, 3);
	t.b[9] ^= 1;
	assert_int_equal(acpi_parse_mcfg(t.b, t.len, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI MCFG: bad checksum");
}

/* The MCFG reached through the XSDT, beside the MADT of put_acpi. */
static void test_find_mcfg(void **state)
{
	struct table root, mcfg;
	struct acpi_mcfg m;
	uint64_t mcfg_at = TABLES + 0x3000;
	uint8_t e[8];

	(void)state;
	assert_int_equal(acpi_find_mcfg(&reader, &m, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "ACPI: no RSDP");
	put_acpi(2, false);
	assert_int_equal(acpi_find_mcfg(&reader, &m, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "ACPI: no MCFG in the RSDT");
	table_start(&mcfg, "MCFG", 44);
	mcfg_entry(&mcfg, 0xb0000000, 0, 0, 255);
	table_finish(&mcfg);
	put_table(mcfg_at, &mcfg);
	table_start(&root, "RSDT", 36);
	put32(e, TABLES + 0x2000);
	put32(e + 4, (uint32_t)mcfg_at);
	table_add(&root, e, sizeof(e));
	table_finish(&root);
	put_table(TABLES, &root);
	assert_int_equal(acpi_find_mcfg(&reader, &m, err, sizeof(err)), 0);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.ecam[0].base, 0xb0000000);
	mem[mcfg_at + 50] ^= 1; /* inside the entry: the checksum no longer holds */
	assert_int_equal(acpi_find_mcfg(&reader, &m, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ACPI MCFG: bad checksum");
	assert_int_equal(m.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt_good),
		cmocka_unit_test(test_madt_bad),
		cmocka_unit_test(test_madt_too_many),
		cmocka_unit_test(test_madt_ioapics),
		cmocka_unit_test(test_madt_ioapic_bad),
		cmocka_unit_test(test_madt_ioapic_short_and_many),
		cmocka_unit_test_setup_teardown(test_find_rsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_xsdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_bad_rsdp_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_rsdt_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_bad_madt_no_partial_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_mp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_mp_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_acpi_broken_mp_good, setup, teardown),
		cmocka_unit_test(test_mcfg_good),
		cmocka_unit_test(test_mcfg_bad),
		cmocka_unit_test(test_mcfg_short_and_many),
		cmocka_unit_test_setup_teardown(test_find_mcfg, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
