/*
 * aslr: where regions go (see aslr/README.md).
 *
 * The planner (portable, aslr/place.c) picks a base for a new region in an
 * area, uniformly among every aligned base where the region and its guard
 * pages fit without touching the regions already placed or their guards.
 * With no generator it takes the lowest fit instead: the deterministic,
 * OSv-like bump order of aslr=off.
 *
 * The kernel's side (aslr/aslr.c) holds the switches (boot options aslr=off,
 * aslr.seed=N, layout=show) and the generator that layout decisions draw
 * from, and is what the ELF loader, mmap and the stack allocator call.
 */
#ifndef CARAPACE_ASLR_H
#define CARAPACE_ASLR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct csprng;

/* A region already placed: [start, end), unmapped guards on either side. */
struct aslr_region {
	uint64_t start, end;
	uint64_t guard_before, guard_after;
};

/* Place `size` bytes, aligned to `align` (a power of two), inside [lo, hi). */
struct aslr_request {
	uint64_t lo, hi;         /* the area, guards included */
	uint64_t size;
	uint64_t align;
	uint64_t guard_before, guard_after;
};

struct aslr_choice {
	uint64_t base;
	uint64_t slots;          /* how many bases were possible */
	unsigned entropy_bits;   /* floor(log2(slots)): 0 when there was one */
};

/*
 * Chooses a base. placed[] must be sorted by start, and no region's body
 * may lie inside another's guard (what the planner itself guarantees).
 * rng == NULL: the lowest fit. Returns 0 with *out filled; -EINVAL for a
 * malformed request or placed[]; -ENOSPC when no base fits.
 */
int aslr_plan(const struct aslr_request *req, const struct aslr_region *placed,
	      size_t nplaced, struct csprng *rng, struct aslr_choice *out);

/* floor(log2(slots)), 0 for 0 or 1. */
unsigned aslr_entropy_bits(uint64_t slots);

/* Kernel side (aslr/aslr.c). */
struct boot_options;

/* Reads the switches and seeds the layout generator; call once, early. */
void aslr_init(const struct boot_options *o);

/*
 * Mixes 32 fresh bytes of random_bytes into the layout generator, once the
 * device seed sources are in (virtio-rng comes after aslr_init); nothing
 * with aslr.seed=N, whose layout stays reproducible.
 */
void aslr_reseed_layout(void);

/* False with aslr=off: every region gets the lowest fit. */
bool aslr_enabled(void);

/*
 * aslr_plan with the layout generator (or the lowest fit with aslr=off).
 * When name is not NULL the choice is logged (verbose) and reported with
 * layout=show. Returns 0 with *base set, or aslr_plan's error.
 */
int aslr_pick_base(const char *name, const struct aslr_request *req,
		   const struct aslr_region *placed, size_t nplaced,
		   uint64_t *base);

/* A uniform value in [0, n) from the layout generator (0 with aslr=off). */
uint64_t aslr_random_below(uint64_t n);

/*
 * A random multiple of 16 below PAGE_SIZE (0 with aslr=off): how far below
 * its top the application's main stack starts, for 8 bits more than its
 * page gives.
 */
uint64_t aslr_stack_offset(void);

/*
 * A stream of layout decisions of one user's own (a heap's slot choices),
 * so that its draws do not depend on what else draws in between: seeded
 * from the layout generator (a fixed seed with aslr=off), so aslr=off and
 * aslr.seed=N repeat it. While the layout is secret (aslr=on, no seed),
 * each later draw mixes in fresh random_bytes too.
 */
void aslr_stream_init(struct csprng *s);
void aslr_stream_bytes(struct csprng *s, void *buf, size_t len);

/* Prints "layout REGION 0xADDRESS" when the boot option layout=show is given. */
void aslr_layout_report(const char *region, uint64_t addr);

#endif
