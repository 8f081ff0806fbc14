/*
 * acpi: finds the CPUs in the firmware's tables (portable: also built on the
 * host). ACPI first (RSDP, RSDT or XSDT, MADT), the MP specification's table
 * where there is no ACPI. Also the PCI Express configuration space (ECAM)
 * that the MCFG table describes.
 *
 * Firmware tables are untrusted input: every length, pointer and checksum is
 * checked before it is used, and a bad table is a clear message, never a
 * crash. Physical memory is reached through the caller's reader, so the same
 * code runs on the kernel's page tables, in unit tests and in the fuzzer.
 */
#ifndef CARAPACE_ACPI_H
#define CARAPACE_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS      256
/* A table longer than this is refused: no real MADT or RSDT comes close. */
#define ACPI_TABLE_MAX     (256 * 1024)
#define ACPI_HEADER_SIZE   36
#define ACPI_MAX_ECAM      8  /* MCFG entries kept */
/* An MCFG range ending above this (the widest physical address) is refused. */
#define ACPI_PHYS_LIMIT    (1ull << 52)

/*
 * Gives access to len bytes of physical memory at phys, or NULL when that
 * range cannot be read. Each pointer stays valid until release is called
 * with it (release may be NULL).
 */
struct acpi_reader {
	const void *(*map)(void *ctx, uint64_t phys, size_t len);
	void (*release)(void *ctx, const void *p, size_t len);
	void *ctx;
};

#define ACPI_MAX_IOAPICS   8
#define ACPI_MAX_OVERRIDES 16
/* An interrupt source override's flags (MPS INTI flags). */
#define ACPI_IRQ_POLARITY_MASK 0x3
#define ACPI_IRQ_ACTIVE_LOW    0x3
#define ACPI_IRQ_TRIGGER_MASK  0xc
#define ACPI_IRQ_LEVEL         0xc

/* An I/O APIC of the MADT: its registers and its first GSI. */
struct acpi_ioapic {
	uint64_t phys;
	uint32_t gsi_base;
	uint8_t id;
};

/* An ISA interrupt that reaches the I/O APICs elsewhere than GSI = IRQ. */
struct acpi_irq_override {
	uint32_t gsi;
	uint16_t flags;  /* ACPI_IRQ_* */
	uint8_t isa_irq;
};

struct acpi_cpus {
	uint32_t apic_id[ACPI_MAX_CPUS]; /* enabled CPUs, in table order */
	unsigned count;
	unsigned disabled;  /* listed but not enabled (absent, or online-capable only) */
	unsigned dropped;   /* enabled, but beyond ACPI_MAX_CPUS or duplicates */
	uint64_t lapic_phys; /* the local APIC's MMIO base the table gives */
	const char *source;  /* "acpi-madt" or "mp-table" */
	/* The MADT's interrupt routing (none from an MP table). */
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned ioapic_count;
	struct acpi_irq_override override[ACPI_MAX_OVERRIDES];
	unsigned override_count;
	unsigned irq_dropped; /* I/O APIC or override entries left out as unsound */
};

/* One MCFG entry: ECAM for buses bus_start..bus_end of a PCI segment. */
struct acpi_ecam {
	uint64_t base;      /* physical address of bus 0's space (1 MiB per bus) */
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_mcfg {
	struct acpi_ecam ecam[ACPI_MAX_ECAM];
	unsigned count;
	unsigned dropped;   /* sound entries beyond ACPI_MAX_ECAM */
};

/*
 * Finds the CPUs. Returns 0; -ENOENT when there is neither an ACPI RSDP nor
 * an MP floating pointer; -EINVAL when the tables are broken. err then holds
 * one line saying what was wrong.
 */
int acpi_find_cpus(const struct acpi_reader *r, struct acpi_cpus *out,
		   char *err, size_t err_size);

/*
 * Finds the MCFG table through the RSDP. 0; -ENOENT when there is no RSDP
 * or no MCFG (a machine without PCI Express, such as microvm); -EINVAL when
 * a table is broken. err says which.
 */
int acpi_find_mcfg(const struct acpi_reader *r, struct acpi_mcfg *out,
		   char *err, size_t err_size);

/* The pieces, each a pure function over a buffer (for tests and fuzzing). */

/* Offset of a valid RSDP in buf (searched on 16-byte boundaries), or -1. */
long acpi_scan_rsdp(const uint8_t *buf, size_t len);

/* Checks a system description table's header: signature, length, checksum. */
int acpi_check_table(const uint8_t *buf, size_t len, const char sig[4],
		     char *err, size_t err_size);

/*
 * Adds the CPUs of a MADT (checked with acpi_check_table first) to out,
 * and its I/O APICs and interrupt source overrides.
 */
int acpi_parse_madt(const uint8_t *buf, size_t len, struct acpi_cpus *out,
		    char *err, size_t err_size);

/*
 * Reads an MCFG table (header checked here): every entry must have a
 * nonzero, 1 MiB-aligned base, first bus <= last bus, and its range must
 * end below ACPI_PHYS_LIMIT; one bad entry refuses the table.
 */
int acpi_parse_mcfg(const uint8_t *buf, size_t len, struct acpi_mcfg *out,
		    char *err, size_t err_size);

/*
 * The GSI and the trigger of ISA interrupt irq (0..15) after the MADT's
 * overrides (the same number, edge, active high when none). 0, -EINVAL.
 */
int acpi_isa_irq(const struct acpi_cpus *c, uint8_t irq, uint32_t *gsi, bool *level,
		 bool *active_low);

/* Offset of a valid MP floating pointer structure in buf, or -1. */
long acpi_scan_mp(const uint8_t *buf, size_t len);

/* Adds the CPUs of an MP configuration table (header checked here) to out. */
int acpi_parse_mp_config(const uint8_t *buf, size_t len, struct acpi_cpus *out,
			 char *err, size_t err_size);

/*
 * Kernel only (kernel/dev/acpi_map.c): physical memory through a few
 * read-only windows, which stay mapped until acpi_kernel_unmap_all.
 */
extern const struct acpi_reader acpi_kernel_reader;
void acpi_kernel_unmap_all(void);

#endif
