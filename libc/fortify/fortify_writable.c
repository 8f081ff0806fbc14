/*
 * __carapace_fortify_writable: whether an address may be written, read
 * from the page tables without faulting (the %n check of the printf
 * family). An unmapped address counts as not writable: printf will fault
 * on it anyway.
 */
#include <stdbool.h>
#include <stdint.h>

#include "fortify.h"
#include <carapace/mmu.h>

int __carapace_fortify_writable(const void *p)
{
	uint64_t pte;

	if (!mmu_lookup(mmu_root(), (uint64_t)p, &pte, NULL))
		return 0;
	return (pte & PTE_W) != 0;
}
