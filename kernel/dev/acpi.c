/*
 * The CPUs the firmware describes: ACPI's MADT, or the MP table where there
 * is no ACPI. Every field is read with explicit bounds checks from byte
 * buffers (no casts to packed structs), since firmware tables are untrusted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/acpi.h>
#include <carapace/fmt.h>

#define RSDP_V1_SIZE        20
#define RSDP_V2_SIZE        36
#define RSDP_MAX_SIZE       4096
#define MADT_ENTRIES_OFFSET 44
#define MCFG_ENTRIES_OFFSET 44  /* the header and 8 reserved bytes */
#define MCFG_ENTRY_SIZE     16
#define ECAM_BUS_SHIFT      20  /* 1 MiB of configuration space per bus */
#define ECAM_BASE_ALIGN     (1ull << ECAM_BUS_SHIFT)
#define MADT_LAPIC          0   /* processor local APIC */
#define MADT_IOAPIC         1   /* I/O APIC */
#define MADT_IRQ_OVERRIDE   2   /* interrupt source override */
#define MADT_IOAPIC_ALIGN   16  /* IOREGSEL at 0, IOWIN at 0x10 */
#define ISA_IRQS            16
#define MPS_INTI_RESERVED   2   /* the reserved value of polarity and of trigger mode */
#define MADT_LAPIC_OVERRIDE 5   /* 64-bit local APIC address */
#define MADT_X2APIC         9   /* processor local x2APIC */
#define MADT_CPU_ENABLED    0x1
#define XAPIC_BROADCAST     0xff
#define X2APIC_BROADCAST    0xffffffffu
#define ACPI_MAX_TABLES     256 /* RSDT/XSDT entries looked at */

#define MP_FLOAT_SIZE       16
#define MP_CONFIG_HEADER    44
#define MP_PROCESSOR        0
#define MP_PROCESSOR_SIZE   20
#define MP_OTHER_SIZE       8   /* bus, I/O APIC, I/O and local interrupt */
#define MP_LAST_TYPE        4
#define MP_CPU_ENABLED      0x1

/* BIOS areas where the RSDP and the MP floating pointer may lie. */
#define BDA_EBDA_SEGMENT    0x40e
#define EBDA_MIN            0x80000
#define EBDA_MAX            0xa0000
#define EBDA_SCAN           1024
#define BASE_MEM_LAST_KIB   0x9fc00
#define BIOS_ROM_START      0xe0000
#define BIOS_ROM_F_SEGMENT  0xf0000
#define BIOS_ROM_END        0x100000

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* Records one enabled CPU, once: a repeated APIC ID is a broken table. */
static void add_cpu(struct acpi_cpus *out, uint32_t apic_id)
{
	for (unsigned i = 0; i < out->count; i++) {
		if (out->apic_id[i] == apic_id) {
			out->dropped++;
			return;
		}
	}
	if (out->count == ACPI_MAX_CPUS) {
		out->dropped++;
		return;
	}
	out->apic_id[out->count++] = apic_id;
}

/* A valid RSDP: its first 20 bytes sum to 0 (revision 2's extension is checked apart). */
static bool rsdp_valid(const uint8_t *p, size_t avail)
{
	return avail >= RSDP_V1_SIZE && memcmp(p, "RSD PTR ", 8) == 0 &&
	       sum8(p, RSDP_V1_SIZE) == 0;
}

long acpi_scan_rsdp(const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off + RSDP_V1_SIZE <= len; off += 16)
		if (rsdp_valid(buf + off, len - off))
			return (long)off;
	return -1;
}

/* The XSDT address when revision 2's extension is there and sums to 0. */
static uint64_t rsdp_xsdt(const uint8_t *p, size_t avail)
{
	uint32_t length;

	if (p[15] < 2 || avail < RSDP_V2_SIZE)
		return 0;
	length = get32(p + 20);
	if (length < RSDP_V2_SIZE || length > RSDP_MAX_SIZE || length > avail ||
	    sum8(p, length) != 0)
		return 0;
	return get64(p + 24);
}

int acpi_check_table(const uint8_t *buf, size_t len, const char sig[4],
		     char *err, size_t err_size)
{
	uint32_t length;

	if (len < ACPI_HEADER_SIZE) {
		fmt_snprintf(err, err_size, "ACPI %.4s: truncated header", sig);
		return -EINVAL;
	}
	if (memcmp(buf, sig, 4) != 0) {
		fmt_snprintf(err, err_size, "ACPI %.4s: wrong signature", sig);
		return -EINVAL;
	}
	length = get32(buf + 4);
	if (length < ACPI_HEADER_SIZE || length > ACPI_TABLE_MAX) {
		fmt_snprintf(err, err_size, "ACPI %.4s: absurd length %u", sig, length);
		return -EINVAL;
	}
	if (length > len) {
		fmt_snprintf(err, err_size, "ACPI %.4s: length %u beyond the %zu bytes readable",
			     sig, length, len);
		return -EINVAL;
	}
	if (sum8(buf, length) != 0) {
		fmt_snprintf(err, err_size, "ACPI %.4s: bad checksum", sig);
		return -EINVAL;
	}
	return 0;
}

/* The minimum length of each MADT entry type this parser reads. */
static unsigned madt_entry_min(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
		return 12;
	case MADT_IRQ_OVERRIDE:
		return 10;
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

/*
 * Records an I/O APIC; one at address 0 or unaligned, or a repeated ID or
 * address, or beyond ACPI_MAX_IOAPICS, is counted and left out.
 */
static void add_ioapic(struct acpi_cpus *out, uint8_t id, uint32_t phys, uint32_t gsi_base)
{
	bool bad = phys == 0 || phys % MADT_IOAPIC_ALIGN != 0 ||
		   out->ioapic_count == ACPI_MAX_IOAPICS;

	for (unsigned i = 0; i < out->ioapic_count && !bad; i++)
		bad = out->ioapic[i].id == id || out->ioapic[i].phys == phys ||
		      out->ioapic[i].gsi_base == gsi_base;
	if (bad) {
		out->irq_dropped++;
		return;
	}
	out->ioapic[out->ioapic_count++] = (struct acpi_ioapic){ phys, gsi_base, id };
}

/*
 * Records an ISA interrupt's override; one for another bus, an IRQ over
 * 15, a reserved polarity or trigger, a repeated IRQ, or beyond
 * ACPI_MAX_OVERRIDES is counted and left out.
 */
static void add_override(struct acpi_cpus *out, uint8_t bus, uint8_t irq, uint32_t gsi,
			 uint16_t flags)
{
	bool bad = bus != 0 || irq >= ISA_IRQS ||
		   (flags & ACPI_IRQ_POLARITY_MASK) == MPS_INTI_RESERVED ||
		   ((flags & ACPI_IRQ_TRIGGER_MASK) >> 2) == MPS_INTI_RESERVED ||
		   out->override_count == ACPI_MAX_OVERRIDES;

	for (unsigned i = 0; i < out->override_count && !bad; i++)
		bad = out->override[i].isa_irq == irq;
	if (bad) {
		out->irq_dropped++;
		return;
	}
	out->override[out->override_count++] = (struct acpi_irq_override){ gsi, flags, irq };
}

int acpi_isa_irq(const struct acpi_cpus *c, uint8_t irq, uint32_t *gsi, bool *level,
		 bool *active_low)
{
	uint16_t flags = 0;

	if (irq >= ISA_IRQS)
		return -EINVAL;
	*gsi = irq;
	for (unsigned i = 0; i < c->override_count; i++)
		if (c->override[i].isa_irq == irq) {
			*gsi = c->override[i].gsi;
			flags = c->override[i].flags;
		}
	/* "Conforms to the bus" is the ISA bus: edge-triggered, active high. */
	*level = (flags & ACPI_IRQ_TRIGGER_MASK) == ACPI_IRQ_LEVEL;
	*active_low = (flags & ACPI_IRQ_POLARITY_MASK) == ACPI_IRQ_ACTIVE_LOW;
	return 0;
}

int acpi_parse_madt(const uint8_t *buf, size_t len, struct acpi_cpus *out,
		    char *err, size_t err_size)
{
	uint32_t length;
	size_t off;

	if (acpi_check_table(buf, len, "APIC", err, err_size))
		return -EINVAL;
	length = get32(buf + 4);
	if (length < MADT_ENTRIES_OFFSET) {
		fmt_snprintf(err, err_size, "ACPI APIC: too short for its fixed fields");
		return -EINVAL;
	}
	out->lapic_phys = get32(buf + 36);
	for (off = MADT_ENTRIES_OFFSET; off < length;) {
		const uint8_t *e = buf + off;
		uint8_t type, elen;

		if (length - off < 2) {
			fmt_snprintf(err, err_size, "ACPI APIC: truncated entry at offset %zu", off);
			return -EINVAL;
		}
		type = e[0];
		elen = e[1];
		if (elen < madt_entry_min(type) || elen > length - off) {
			fmt_snprintf(err, err_size,
				     "ACPI APIC: entry of type %u at offset %zu has bad length %u",
				     type, off, elen);
			return -EINVAL;
		}
		if (type == MADT_LAPIC) {
			if (!(get32(e + 4) & MADT_CPU_ENABLED))
				out->disabled++;
			else if (e[3] != XAPIC_BROADCAST)
				add_cpu(out, e[3]);
		} else if (type == MADT_X2APIC) {
			if (!(get32(e + 8) & MADT_CPU_ENABLED))
				out->disabled++;
			else if (get32(e + 4) != X2APIC_BROADCAST)
				add_cpu(out, get32(e + 4));
		} else if (type == MADT_LAPIC_OVERRIDE) {
			out->lapic_phys = get64(e + 4);
		} else if (type == MADT_IOAPIC) {
			add_ioapic(out, e[2], get32(e + 4), get32(e + 8));
		} else if (type == MADT_IRQ_OVERRIDE) {
			add_override(out, e[2], e[3], get32(e + 4), get16(e + 8));
		}
		off += elen;
	}
	out->source = "acpi-madt";
	return 0;
}

/*
 * MCFG (PCI Firmware Specification 3.2, 4.1.2): after the header and 8
 * reserved bytes, 16-byte entries of base address, segment, first and last
 * bus. The base is where bus 0's space would be, whatever the first bus.
 */
int acpi_parse_mcfg(const uint8_t *buf, size_t len, struct acpi_mcfg *out,
		    char *err, size_t err_size)
{
	uint32_t length;

	memset(out, 0, sizeof(*out));
	if (acpi_check_table(buf, len, "MCFG", err, err_size))
		return -EINVAL;
	length = get32(buf + 4);
	if (length < MCFG_ENTRIES_OFFSET ||
	    (length - MCFG_ENTRIES_OFFSET) % MCFG_ENTRY_SIZE != 0) {
		fmt_snprintf(err, err_size,
			     "ACPI MCFG: length %u is not its fixed fields and whole entries",
			     length);
		return -EINVAL;
	}
	for (uint32_t off = MCFG_ENTRIES_OFFSET; off < length; off += MCFG_ENTRY_SIZE) {
		const uint8_t *e = buf + off;
		struct acpi_ecam ecam = {
			.base = get64(e), .segment = get16(e + 8),
			.bus_start = e[10], .bus_end = e[11],
		};
		uint64_t span = ((uint64_t)ecam.bus_end + 1) << ECAM_BUS_SHIFT;

		if (ecam.bus_start > ecam.bus_end || ecam.base == 0 ||
		    ecam.base % ECAM_BASE_ALIGN != 0 || ecam.base > ACPI_PHYS_LIMIT ||
		    span > ACPI_PHYS_LIMIT - ecam.base) {
			fmt_snprintf(err, err_size,
				     "ACPI MCFG: entry at offset %u is implausible (base 0x%llx, "
				     "buses %u-%u)", off, (unsigned long long)ecam.base,
				     ecam.bus_start, ecam.bus_end);
			return -EINVAL;
		}
		if (out->count == ACPI_MAX_ECAM) {
			out->dropped++;
			continue;
		}
		out->ecam[out->count++] = ecam;
	}
	return 0;
}

long acpi_scan_mp(const uint8_t *buf, size_t len)
{
	for (size_t off = 0; off + MP_FLOAT_SIZE <= len; off += 16) {
		const uint8_t *p = buf + off;

		if (memcmp(p, "_MP_", 4) == 0 && p[8] == 1 && sum8(p, MP_FLOAT_SIZE) == 0)
			return (long)off;
	}
	return -1;
}

int acpi_parse_mp_config(const uint8_t *buf, size_t len, struct acpi_cpus *out,
			 char *err, size_t err_size)
{
	uint16_t length, count;
	size_t off = MP_CONFIG_HEADER;

	if (len < MP_CONFIG_HEADER || memcmp(buf, "PCMP", 4) != 0) {
		fmt_snprintf(err, err_size, "MP table: no configuration table header");
		return -EINVAL;
	}
	length = get16(buf + 4);
	count = get16(buf + 34);
	if (length < MP_CONFIG_HEADER || length > len) {
		fmt_snprintf(err, err_size, "MP table: bad length %u", length);
		return -EINVAL;
	}
	if (sum8(buf, length) != 0) {
		fmt_snprintf(err, err_size, "MP table: bad checksum");
		return -EINVAL;
	}
	out->lapic_phys = get32(buf + 36);
	/* qboot (QEMU's microvm firmware) leaves the count 0: then the length decides. */
	for (unsigned i = 0; off < length && (count == 0 || i < count); i++) {
		const uint8_t *e = buf + off;
		size_t elen;

		if (e[0] > MP_LAST_TYPE) {
			fmt_snprintf(err, err_size, "MP table: entry %u is of an unknown type %u",
				     i, e[0]);
			return -EINVAL;
		}
		elen = e[0] == MP_PROCESSOR ? MP_PROCESSOR_SIZE : MP_OTHER_SIZE;
		if (elen > length - off) {
			fmt_snprintf(err, err_size, "MP table: entry %u is truncated", i);
			return -EINVAL;
		}
		if (e[0] == MP_PROCESSOR) {
			if (!(e[3] & MP_CPU_ENABLED))
				out->disabled++;
			else if (e[1] != XAPIC_BROADCAST)
				add_cpu(out, e[1]);
		}
		off += elen;
	}
	out->source = "mp-table";
	return 0;
}

static void release(const struct acpi_reader *r, const void *p, size_t len)
{
	if (p && r->release)
		r->release(r->ctx, p, len);
}

/*
 * Maps a whole table: its header first for the length, then all of it, and
 * checks it. On success *buf and *len describe a live mapping to release.
 */
static int map_table(const struct acpi_reader *r, uint64_t phys, const char sig[4],
		     const uint8_t **buf, uint32_t *len, char *err, size_t err_size)
{
	const uint8_t *h = r->map(r->ctx, phys, ACPI_HEADER_SIZE);

	if (!h) {
		fmt_snprintf(err, err_size, "ACPI %.4s: address 0x%llx cannot be read", sig,
			     (unsigned long long)phys);
		return -EINVAL;
	}
	*len = get32(h + 4);
	release(r, h, ACPI_HEADER_SIZE);
	if (*len < ACPI_HEADER_SIZE || *len > ACPI_TABLE_MAX) {
		fmt_snprintf(err, err_size, "ACPI %.4s: absurd length %u", sig, *len);
		return -EINVAL;
	}
	*buf = r->map(r->ctx, phys, *len);
	if (!*buf) {
		fmt_snprintf(err, err_size, "ACPI %.4s: 0x%llx+%u cannot be read", sig,
			     (unsigned long long)phys, *len);
		return -EINVAL;
	}
	if (acpi_check_table(*buf, *len, sig, err, err_size)) {
		release(r, *buf, *len);
		return -EINVAL;
	}
	return 0;
}

/* Looks for a 16-byte-aligned structure in [start, end); returns its address or 0. */
static uint64_t scan_area(const struct acpi_reader *r, uint64_t start, uint64_t end,
			  long (*scan)(const uint8_t *, size_t))
{
	const uint8_t *p = r->map(r->ctx, start, end - start);
	long off;

	if (!p)
		return 0;
	off = scan(p, end - start);
	release(r, p, end - start);
	return off < 0 ? 0 : start + (uint64_t)off;
}

/* The EBDA's address, from the BIOS data area, or 0 when implausible. */
static uint64_t ebda_base(const struct acpi_reader *r)
{
	const uint8_t *p = r->map(r->ctx, BDA_EBDA_SEGMENT, 2);
	uint64_t base;

	if (!p)
		return 0;
	base = (uint64_t)get16(p) << 4;
	release(r, p, 2);
	return base >= EBDA_MIN && base + EBDA_SCAN <= EBDA_MAX ? base : 0;
}

/* A table parser: acpi_parse_madt or acpi_parse_mcfg behind a void pointer. */
typedef int (*table_parser)(const uint8_t *buf, size_t len, void *out, char *err,
			    size_t err_size);

static int parse_madt(const uint8_t *buf, size_t len, void *out, char *err, size_t err_size)
{
	return acpi_parse_madt(buf, len, out, err, err_size);
}

static int parse_mcfg(const uint8_t *buf, size_t len, void *out, char *err, size_t err_size)
{
	return acpi_parse_mcfg(buf, len, out, err, err_size);
}

/* Finds the table sig through the RSDT or XSDT and parses it. */
static int from_root(const struct acpi_reader *r, uint64_t root, bool xsdt, const char sig[4],
		     table_parser parse, void *out, char *err, size_t err_size)
{
	const char *root_sig = xsdt ? "XSDT" : "RSDT";
	unsigned esize = xsdt ? 8 : 4;
	const uint8_t *buf, *table;
	uint32_t len, table_len;
	int rc = -ENOENT;

	if (map_table(r, root, root_sig, &buf, &len, err, err_size))
		return -EINVAL;
	for (uint32_t i = 0; i < (len - ACPI_HEADER_SIZE) / esize && i < ACPI_MAX_TABLES; i++) {
		const uint8_t *e = buf + ACPI_HEADER_SIZE + i * esize;
		uint64_t phys = xsdt ? get64(e) : get32(e);
		const uint8_t *h = r->map(r->ctx, phys, ACPI_HEADER_SIZE);
		bool found = h && memcmp(h, sig, 4) == 0;

		release(r, h, ACPI_HEADER_SIZE);
		if (!found)
			continue;
		rc = map_table(r, phys, sig, &table, &table_len, err, err_size);
		if (rc == 0) {
			rc = parse(table, table_len, out, err, err_size);
			release(r, table, table_len);
		}
		break;
	}
	release(r, buf, len);
	if (rc == -ENOENT)
		fmt_snprintf(err, err_size, "ACPI: no %.4s in the %s", sig, root_sig);
	return rc;
}

static int find_table(const struct acpi_reader *r, uint64_t ebda, const char sig[4],
		      table_parser parse, void *out, char *err, size_t err_size)
{
	uint64_t rsdp = ebda ? scan_area(r, ebda, ebda + EBDA_SCAN, acpi_scan_rsdp) : 0;
	const uint8_t *p;
	uint64_t rsdt, xsdt;
	size_t size;

	/*
	 * The F segment first, where QEMU's firmware (SeaBIOS, qboot) puts it:
	 * under a shadow-paging hypervisor every page touched is a costly
	 * fault, and the whole area is 32 pages.
	 */
	if (!rsdp)
		rsdp = scan_area(r, BIOS_ROM_F_SEGMENT, BIOS_ROM_END, acpi_scan_rsdp);
	if (!rsdp)
		rsdp = scan_area(r, BIOS_ROM_START, BIOS_ROM_F_SEGMENT, acpi_scan_rsdp);
	if (!rsdp) {
		err[0] = '\0'; /* not an error in itself: there may be an MP table */
		return -ENOENT;
	}
	/* The scan proved 20 bytes readable; revision 2's extension may not be. */
	size = RSDP_V2_SIZE;
	p = r->map(r->ctx, rsdp, size);
	if (!p) {
		size = RSDP_V1_SIZE;
		p = r->map(r->ctx, rsdp, size);
	}
	if (!p) {
		fmt_snprintf(err, err_size, "ACPI: the RSDP cannot be read again");
		return -EINVAL;
	}
	xsdt = rsdp_xsdt(p, size);
	rsdt = get32(p + 16);
	release(r, p, size);
	if (xsdt)
		return from_root(r, xsdt, true, sig, parse, out, err, err_size);
	if (rsdt)
		return from_root(r, rsdt, false, sig, parse, out, err, err_size);
	fmt_snprintf(err, err_size, "ACPI: the RSDP points at no RSDT or XSDT");
	return -EINVAL;
}

static int find_mp(const struct acpi_reader *r, uint64_t ebda, struct acpi_cpus *out,
		   char *err, size_t err_size)
{
	uint64_t fp = ebda ? scan_area(r, ebda, ebda + EBDA_SCAN, acpi_scan_mp) : 0;
	const uint8_t *p;
	uint64_t config;
	uint16_t len;
	int rc;

	if (!fp)
		fp = scan_area(r, BASE_MEM_LAST_KIB, BASE_MEM_LAST_KIB + 1024, acpi_scan_mp);
	if (!fp)
		fp = scan_area(r, BIOS_ROM_F_SEGMENT, BIOS_ROM_END, acpi_scan_mp);
	if (!fp) {
		fmt_snprintf(err, err_size, "neither an ACPI RSDP nor an MP table");
		return -ENOENT;
	}
	p = r->map(r->ctx, fp, MP_FLOAT_SIZE);
	if (!p) {
		fmt_snprintf(err, err_size, "MP table: the floating pointer cannot be read again");
		return -EINVAL;
	}
	config = get32(p + 4);
	rc = p[11] ? 1 : 0; /* a "default configuration": no table to read */
	release(r, p, MP_FLOAT_SIZE);
	if (rc || !config) {
		fmt_snprintf(err, err_size, "MP table: default configurations are not supported");
		return -EINVAL;
	}
	p = r->map(r->ctx, config, MP_CONFIG_HEADER);
	if (!p) {
		fmt_snprintf(err, err_size, "MP table: 0x%llx cannot be read",
			     (unsigned long long)config);
		return -EINVAL;
	}
	len = get16(p + 4);
	release(r, p, MP_CONFIG_HEADER);
	if (len < MP_CONFIG_HEADER) {
		fmt_snprintf(err, err_size, "MP table: bad length %u", len);
		return -EINVAL;
	}
	p = r->map(r->ctx, config, len);
	if (!p) {
		fmt_snprintf(err, err_size, "MP table: 0x%llx+%u cannot be read",
			     (unsigned long long)config, len);
		return -EINVAL;
	}
	rc = acpi_parse_mp_config(p, len, out, err, err_size);
	release(r, p, len);
	return rc;
}

/*
 * ACPI when it is there and sound; the MP table otherwise. A partial result
 * from a broken table is thrown away, so the caller sees all or nothing.
 */
int acpi_find_cpus(const struct acpi_reader *r, struct acpi_cpus *out,
		   char *err, size_t err_size)
{
	uint64_t ebda = ebda_base(r);
	char acpi_err[160];
	int rc, acpi_rc;

	if (err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	acpi_rc = find_table(r, ebda, "APIC", parse_madt, out, acpi_err, sizeof(acpi_err));
	if (acpi_rc == 0 && out->count > 0)
		return 0;
	if (acpi_rc == 0) {
		fmt_snprintf(acpi_err, sizeof(acpi_err), "ACPI APIC: no enabled CPU");
		acpi_rc = -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	rc = find_mp(r, ebda, out, err, err_size);
	if (rc == 0 && out->count > 0)
		return 0;
	memset(out, 0, sizeof(*out));
	if (rc == -ENOENT) {
		/* No MP table either: ACPI's own complaint, if any, says the most. */
		if (acpi_err[0])
			fmt_snprintf(err, err_size, "%s", acpi_err);
		return acpi_rc;
	}
	if (rc == 0) {
		fmt_snprintf(err, err_size, "MP table: no enabled CPU");
		return -EINVAL;
	}
	return rc;
}

/* The MCFG only through ACPI: the MP specification knows nothing of ECAM. */
int acpi_find_mcfg(const struct acpi_reader *r, struct acpi_mcfg *out,
		   char *err, size_t err_size)
{
	int rc;

	if (err_size)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	rc = find_table(r, ebda_base(r), "MCFG", parse_mcfg, out, err, err_size);
	if (rc)
		memset(out, 0, sizeof(*out));
	if (rc == -ENOENT && err_size && !err[0])
		fmt_snprintf(err, err_size, "ACPI: no RSDP");
	return rc;
}
