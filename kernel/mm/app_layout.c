/*
 * Where the application's ELF objects and its main stack go (aslr/).
 *
 * Objects: each at its own base, uniform over every free page of
 * [APP_AREA_START, APP_BRK_BASE) where it fits between guard pages (31
 * bits for an object of a few MiB), never over another object or its
 * guards. With aslr=off they follow one another from APP_IMAGE_BASE, the
 * fixed layout of layout.h.
 *
 * The main stack: a stack of the stacks area (a random page, as every
 * stack: mm/memory.c), whose start lies a random multiple of 16 bytes
 * below its top (aslr_stack_offset): 8 more bits.
 */
#include <stdint.h>

#include <carapace/aslr.h>
#include <carapace/fmt.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/spinlock.h>

#define MAX_OBJECTS 64

/* The objects placed so far, sorted by start. */
static struct aslr_region objects[MAX_OBJECTS];
static size_t nobjects;
static struct spinlock objects_lock = SPINLOCK_INIT;

uint64_t app_pick_image_base(const char *name, uint64_t span, uint64_t align)
{
	struct aslr_request q = {
		/* With aslr=off the lowest fit is APP_IMAGE_BASE itself. */
		.lo = aslr_enabled() ? APP_AREA_START : APP_IMAGE_BASE - PAGE_SIZE,
		.hi = APP_BRK_BASE,
		.size = ALIGN_UP(span, PAGE_SIZE),
		.align = align > PAGE_SIZE ? align : PAGE_SIZE,
		.guard_before = PAGE_SIZE, .guard_after = PAGE_SIZE,
	};
	char region[48];
	uint64_t base = 0, flags;
	size_t i;

	if (q.size == 0 || q.size < span)
		return 0;
	flags = spin_lock_irqsave(&objects_lock);
	if (nobjects < MAX_OBJECTS && aslr_pick_base(NULL, &q, objects, nobjects, &base) == 0) {
		for (i = nobjects++; i > 0 && objects[i - 1].start > base; i--)
			objects[i] = objects[i - 1];
		objects[i] = (struct aslr_region){
			.start = base, .end = base + q.size,
			.guard_before = PAGE_SIZE, .guard_after = PAGE_SIZE,
		};
	}
	spin_unlock_irqrestore(&objects_lock, flags);
	if (base) {
		fmt_snprintf(region, sizeof(region), "object:%s", name ? name : "?");
		aslr_layout_report(region, base);
	}
	return base;
}

/* The main stack's bytes [main_lo, main_hi), once allocated (memory_in_main_stack). */
static uint64_t main_lo, main_hi;

uint64_t memory_alloc_main_stack(size_t size)
{
	uint64_t top = memory_alloc_app_stack("main-stack", size);

	if (!top)
		return 0;
	main_lo = top - size;
	main_hi = top;
	top -= aslr_stack_offset();
	aslr_layout_report("main-stack", top);
	return top;
}

bool memory_in_main_stack(uint64_t va, size_t len)
{
	return main_hi && va >= main_lo && va < main_hi && len <= main_hi - va;
}
