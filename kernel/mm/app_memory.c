/*
 * Application memory, for mmap, brk and mprotect (kernel/syscall/sys_memory.c
 * picks the addresses): fresh zeroed frames, 4 KiB pages, anywhere in the low
 * half above its first 64 KiB. Nothing here ever touches kernel mappings:
 * every range is checked to lie wholly in [APP_AREA_START, LOW_HALF_END)
 * before anything is done (the system calls check it too).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/spinlock.h>
#include <carapace/tlb.h>

#include "mm_impl.h"

bool memory_app_range(uint64_t va, size_t len)
{
	return len && !((va | len) & (PAGE_SIZE - 1)) && va >= APP_AREA_START &&
	       va < LOW_HALF_END && len <= LOW_HALF_END - va;
}

static unsigned map_prot(unsigned prot)
{
	if (!(prot & (MEMORY_PROT_READ | MEMORY_PROT_WRITE | MEMORY_PROT_EXEC)))
		return MAP_NOACCESS;
	return ((prot & MEMORY_PROT_WRITE) ? MAP_WRITE : 0) |
	       ((prot & MEMORY_PROT_EXEC) ? MAP_EXEC : 0);
}

/* Unmaps every page of the range that holds a frame (present or not) and frees it. */
static void app_unmap_locked(uint64_t va, size_t len)
{
	memory_unmap_frames_locked(va, va + len);
}

int memory_map_anon(uint64_t va, size_t len, unsigned prot)
{
	uint64_t flags;
	int err = 0;

	if (!memory_app_range(va, len))
		return -EINVAL;
	if ((prot & MEMORY_PROT_WRITE) && (prot & MEMORY_PROT_EXEC) && !mmu_app_wx())
		return -EACCES;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	/* More pages than there are free frames: refused before anything changes. */
	if (len / PAGE_SIZE > memory_free_frames()) {
		spin_unlock_irqrestore(&memory_lock, flags);
		return -ENOMEM;
	}
	app_unmap_locked(va, len);
	for (uint64_t p = va; !err && p < va + len; p += PAGE_SIZE) {
		uint64_t phys;

		err = memory_frame_alloc(&phys);
		if (!err && (err = mmu_map(mmu_root(), p, phys, PAGE_SIZE, MAP_READ)))
			memory_free_frame(phys);
	}
	/*
	 * Fresh pages gain their permission: no other CPU can have cached them
	 * (no shootdown), unless they are to lose the one they were mapped with.
	 */
	if (!err)
		err = (map_prot(prot) & MAP_NOACCESS)
			      ? mmu_protect(mmu_root(), va, len, map_prot(prot))
			      : mmu_protect_local(mmu_root(), va, len, map_prot(prot));
	if (err) {
		app_unmap_locked(va, len);
		err = -ENOMEM;
	}
	spin_unlock_irqrestore(&memory_lock, flags);
	return err;
}

void memory_unmap(uint64_t va, size_t len)
{
	uint64_t flags;

	if (!memory_app_range(va, len))
		return;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	app_unmap_locked(va, len);
	spin_unlock_irqrestore(&memory_lock, flags);
}

void memory_unmap_many(const uint64_t *va, const uint64_t *len, unsigned n)
{
	uint64_t flags;

	for (unsigned i = 0; i < n; i++)
		if (!memory_app_range(va[i], len[i]))
			return;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	memory_unmap_ranges_locked(va, len, n);
	spin_unlock_irqrestore(&memory_lock, flags);
}

/* Changes the range's permissions; with shootdown false, only this CPU's entries go at once. */
static int protect_range(uint64_t va, size_t len, unsigned prot, bool shootdown)
{
	uint64_t flags;
	int err;

	if (!memory_app_range(va, len))
		return -EINVAL;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	err = shootdown ? mmu_protect(mmu_root(), va, len, map_prot(prot))
			: mmu_protect_local(mmu_root(), va, len, map_prot(prot));
	spin_unlock_irqrestore(&memory_lock, flags);
	return err;
}

int memory_protect(uint64_t va, size_t len, unsigned prot)
{
	return protect_range(va, len, prot, true);
}

int memory_protect_batched(uint64_t va, size_t len, unsigned prot)
{
	return protect_range(va, len, prot, false);
}

bool memory_app_mapped(uint64_t va, size_t len)
{
	uint64_t flags;
	bool all = true;

	if (!memory_app_range(va, len))
		return false;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	/* Stops at the first hole: at most one step per page that holds a frame. */
	for (uint64_t p = va; all && p < va + len; p += PAGE_SIZE)
		all = mmu_next_frame(mmu_root(), p, p + PAGE_SIZE) == p;
	spin_unlock_irqrestore(&memory_lock, flags);
	return all;
}

uint64_t memory_pages_written(uint64_t va, unsigned npages)
{
	uint64_t flags, mask;

	if (npages > 64 || !memory_app_range(va, (size_t)npages * PAGE_SIZE))
		return ~0ull; /* nothing to tell: every page counts as written */
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	mask = mmu_written_pages(mmu_root(), va, npages);
	spin_unlock_irqrestore(&memory_lock, flags);
	return mask;
}

void memory_pages_clean(uint64_t va, unsigned npages, uint64_t mask)
{
	uint64_t flags;

	if (npages > 64 || !memory_app_range(va, (size_t)npages * PAGE_SIZE))
		return;
	if (npages < 64)
		mask &= (1ull << npages) - 1;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	mmu_clear_written(mmu_root(), va, mask);
	spin_unlock_irqrestore(&memory_lock, flags);
}
