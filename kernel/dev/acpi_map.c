/*
 * The kernel's reader of firmware tables (carapace/acpi.h), for the CPU
 * list (smp.c) and the MCFG (pci.c), both read once at boot.
 */
#include <stddef.h>
#include <stdint.h>

#include <carapace/acpi.h>
#include <carapace/memory.h>

#include <carapace/layout.h>
#include <carapace/mmu.h>

/*
 * Firmware tables are read through a few read-only windows of whole 2 MiB
 * pages, kept until the tables have been read: where every page-table
 * write traps to the hypervisor, one large page costs what one small one
 * does, and the 128 KiB BIOS area alone would take 32. Windows are never
 * executable; a table that asks for more windows than this is not read.
 */
#define FIRMWARE_WINDOWS 8

static struct {
	uint64_t phys, size, va;
} windows[FIRMWARE_WINDOWS];
static unsigned nwindows;

static const void *firmware_map(void *ctx, uint64_t phys, size_t len)
{
	uint64_t base = phys & ~(uint64_t)(LARGE_PAGE_SIZE - 1), size;

	(void)ctx;
	if (len == 0 || len > ACPI_TABLE_MAX || phys + len < phys)
		return NULL;
	for (unsigned i = 0; i < nwindows; i++)
		if (phys >= windows[i].phys && phys + len <= windows[i].phys + windows[i].size)
			return (const void *)(windows[i].va + (phys - windows[i].phys));
	if (nwindows == FIRMWARE_WINDOWS)
		return NULL;
	size = ALIGN_UP(phys + len - base, LARGE_PAGE_SIZE);
	windows[nwindows].va = memory_map_phys(base, size, MAP_READ | MAP_LARGE);
	if (!windows[nwindows].va)
		return NULL;
	windows[nwindows].phys = base;
	windows[nwindows].size = size;
	return (const void *)(windows[nwindows++].va + (phys - base));
}

void acpi_kernel_unmap_all(void)
{
	for (unsigned i = 0; i < nwindows; i++)
		memory_unmap_phys(windows[i].va, windows[i].size);
	nwindows = 0;
}

const struct acpi_reader acpi_kernel_reader = { firmware_map, NULL, NULL };
