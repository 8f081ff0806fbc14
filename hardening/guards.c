/*
 * guards=show: an audit of the guard pages, read from the page tables
 * themselves (not from what the allocators meant to do). One line per
 * stack and per heap, printed before the application starts:
 *
 *   guard stack NAME 0xSTART-0xEND below=STATE above=STATE
 *   guard heap NAME 0xSTART-0xEND runs=N pages=P
 *
 * STATE is the page just outside the stack: "unmapped" (a guard),
 * "no-access" (a frame kept but not present: a guard too) or "MAPPED"
 * (no guard: guards=off). A heap is listed by its mapped runs: maximal
 * ranges of present pages, so each run has unmapped pages on both sides;
 * allocations of pages that sit side by side, with no guard between,
 * merge into one run.
 */
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/hardening.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>

struct heap_walk {
	uint64_t lo, hi;       /* the heap's range */
	uint64_t run_end;      /* the end of the run being counted, 0 when none */
	uint64_t runs, pages;
};

static const char *page_state(uint64_t va)
{
	if (mmu_lookup(mmu_root(), va, NULL, NULL))
		return "MAPPED";
	return mmu_is_noaccess(mmu_root(), va) ? "no-access" : "unmapped";
}

/* mmu_walk's leaves come in address order: adjacent ones extend a run. */
static void count_leaf(void *ctx, uint64_t va, uint64_t pte, uint64_t size)
{
	struct heap_walk *w = ctx;

	(void)pte;
	if (va < w->lo || va >= w->hi)
		return;
	if (va != w->run_end)
		w->runs++;
	w->pages += size / PAGE_SIZE;
	w->run_end = va + size;
}

static void show_region(const struct vm_region *r, void *ctx)
{
	(void)ctx;
	if (r->kind == VM_REGION_STACK) {
		kprintf("guard stack %s 0x%llx-0x%llx below=%s above=%s\n", r->name,
			(unsigned long long)r->start, (unsigned long long)r->end,
			page_state(r->start - PAGE_SIZE), page_state(r->end));
	} else {
		struct heap_walk w = { .lo = r->start, .hi = r->end };

		mmu_walk(mmu_root(), count_leaf, &w);
		kprintf("guard heap %s 0x%llx-0x%llx runs=%llu pages=%llu\n", r->name,
			(unsigned long long)r->start, (unsigned long long)r->end,
			(unsigned long long)w.runs, (unsigned long long)w.pages);
	}
}

void hardening_show_guards(void)
{
	kprintf("guard settings guards=%s\n", hardening->guards ? "on" : "off");
	memory_for_each_region(show_region, NULL);
}
