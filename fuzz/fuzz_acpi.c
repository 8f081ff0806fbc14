/*
 * Fuzzes the firmware-table parsers: the input is a MADT and an MP
 * configuration table for the buffer parsers, and then the F segment of a
 * fake machine's memory (so the RSDP or MP pointer it holds can point at
 * tables inside it) for the whole search. Checks what smp.c relies on: no
 * crash, at most ACPI_MAX_CPUS CPUs, no APIC ID twice, all or nothing on
 * failure, a one-line message, and every mapping given back.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/acpi.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MEM_SIZE 0x100000 /* the fake machine: the first MiB */
#define F_SEG    0xf0000

static uint8_t *mem;
static int outstanding;

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	outstanding++;
	return mem + phys;
}

static void fake_release(void *ctx, const void *p, size_t len)
{
	(void)ctx;
	(void)p;
	(void)len;
	outstanding--;
}

static void check_result(int rc, const struct acpi_cpus *c, const char *err, size_t err_size)
{
	size_t len = strnlen(err, err_size);

	CHECK(len < err_size);
	CHECK(c->count <= ACPI_MAX_CPUS);
	for (unsigned i = 0; i < c->count; i++)
		for (unsigned j = i + 1; j < c->count; j++)
			CHECK(c->apic_id[i] != c->apic_id[j]);
	if (rc != 0) {
		CHECK(rc == -EINVAL || rc == -ENOENT);
		return;
	}
	CHECK(c->source != NULL);
	for (size_t i = 0; i < len; i++)
		CHECK(err[i] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct acpi_reader reader = { fake_map, fake_release, NULL };
	static struct acpi_cpus c;
	uint8_t *copy = malloc(size ? size : 1);
	char err[160];
	int rc;

	/* The buffer parsers, on exactly the input's bytes. */
	memcpy(copy, data, size);
	memset(&c, 0, sizeof(c));
	err[0] = '\0';
	rc = acpi_parse_madt(copy, size, &c, err, sizeof(err));
	check_result(rc, &c, err, sizeof(err));
	memset(&c, 0, sizeof(c));
	rc = acpi_parse_mp_config(copy, size, &c, err, sizeof(err));
	check_result(rc, &c, err, sizeof(err));
	CHECK(acpi_scan_rsdp(copy, size) < (long)size);
	CHECK(acpi_scan_mp(copy, size) < (long)size);
	free(copy);

	/* The whole search, with the input as the BIOS's F segment. */
	if (!mem)
		mem = malloc(MEM_SIZE);
	memset(mem, 0, MEM_SIZE);
	memcpy(mem + F_SEG, data, size < MEM_SIZE - F_SEG ? size : MEM_SIZE - F_SEG);
	outstanding = 0;
	memset(err, 'X', sizeof(err));
	rc = acpi_find_cpus(&reader, &c, err, sizeof(err));
	CHECK(outstanding == 0);
	check_result(rc, &c, err, sizeof(err));
	if (rc != 0)
		CHECK(c.count == 0);
	else
		CHECK(c.count > 0);
	return 0;
}
