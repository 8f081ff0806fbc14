/*
 * acpi: finds the CPUs in the firmware's tables (portable: also built on the
 * host). ACPI first (RSDP, RSDT or XSDT, MADT), the MP specification's table
 * where there is no ACPI.
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

struct acpi_cpus {
	uint32_t apic_id[ACPI_MAX_CPUS]; /* enabled CPUs, in table order */
	unsigned count;
	unsigned disabled;  /* listed but not enabled (absent, or online-capable only) */
	unsigned dropped;   /* enabled, but beyond ACPI_MAX_CPUS or duplicates */
	uint64_t lapic_phys; /* the local APIC's MMIO base the table gives */
	const char *source;  /* "acpi-madt" or "mp-table" */
};

/*
 * Finds the CPUs. Returns 0; -ENOENT when there is neither an ACPI RSDP nor
 * an MP floating pointer; -EINVAL when the tables are broken. err then holds
 * one line saying what was wrong.
 */
int acpi_find_cpus(const struct acpi_reader *r, struct acpi_cpus *out,
		   char *err, size_t err_size);

/* The pieces, each a pure function over a buffer (for tests and fuzzing). */

/* Offset of a valid RSDP in buf (searched on 16-byte boundaries), or -1. */
long acpi_scan_rsdp(const uint8_t *buf, size_t len);

/* Checks a system description table's header: signature, length, checksum. */
int acpi_check_table(const uint8_t *buf, size_t len, const char sig[4],
		     char *err, size_t err_size);

/* Adds the CPUs of a MADT (checked with acpi_check_table first) to out. */
int acpi_parse_madt(const uint8_t *buf, size_t len, struct acpi_cpus *out,
		    char *err, size_t err_size);

/* Offset of a valid MP floating pointer structure in buf, or -1. */
long acpi_scan_mp(const uint8_t *buf, size_t len);

/* Adds the CPUs of an MP configuration table (header checked here) to out. */
int acpi_parse_mp_config(const uint8_t *buf, size_t len, struct acpi_cpus *out,
			 char *err, size_t err_size);

#endif
