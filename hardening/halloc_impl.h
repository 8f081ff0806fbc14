/*
 * halloc internals, shared by halloc_layout.c (zones, areas, cells and
 * their out-of-line metadata) and halloc.c (the allocator's operations).
 * Everything here runs with the heap's lock held, except where it says.
 */
#ifndef HALLOC_IMPL_H
#define HALLOC_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/halloc.h>
#include <carapace/splitmix64.h> /* the heap's and each cache's stream */

#ifdef CARAPACE_SAN_KASAN
/*
 * SAN=kasan: the core writes canaries and zeroes freed slots, bytes the
 * shadow marks inaccessible, by design; its copies go around the checks.
 */
#include <carapace/kasan.h>
#define memset kasan_memset_unchecked
#define memcpy kasan_memcpy_unchecked
#endif

#define SLAB_CELL_PAGES  32   /* a slab cell: up to 16 data pages, the rest guard */
#define SLAB_MAX_PAGES   16
#define SLAB_MAX_SLOTS   256
#define LARGE_MIN_SHIFT  15   /* the smallest large cell: 32 KiB */
#define META_CHUNK       HALLOC_PAGE /* metadata is mapped a page at a time */

/* A cell's state (both kinds of area). */
enum cell_state {
	CELL_UNUSED = 0,  /* never handed out (metadata pages are zeroed) */
	CELL_ACTIVE,      /* small: a slab; large: a live block */
	CELL_QUARANTINED, /* large: freed, address not yet reusable */
	CELL_RELEASED,    /* on the area's free-cell list (a large one perhaps cached) */
};

/* A small slot's state. */
enum slot_state {
	SLOT_FREE = 0,    /* all zero, may be handed out */
	SLOT_USED,
	SLOT_QUARANTINED, /* freed and zeroed, not yet reusable */
	SLOT_CACHED,      /* free, all zero, taken by a cache to be handed out without the lock */
};

/* Metadata of a slab; the slot states and sizes follow it. */
struct slab_meta {
	uint32_t next, prev; /* partial list or free-cell list (index + 1) */
	uint16_t nfree;      /* SLOT_FREE slots */
	uint8_t state;       /* enum cell_state */
	uint8_t unused[5];
	/* A bit per SLOT_FREE slot: a free slot is found a word at a time. */
	uint64_t free_bits[SLAB_MAX_SLOTS / 64];
};

struct large_meta {
	uintptr_t ptr;  /* the block (its end is the mapping's end, rounded to 16) */
	size_t size;    /* requested */
	uint32_t next;  /* free-cell list (index + 1) */
	uint32_t cached_pages; /* freed: pages from the cell's start still mapped */
	uint8_t state;  /* enum cell_state */
	/*
	 * The cached pages are a medium block's, left accessible and zeroed
	 * (checked all zero when the cell is used again), not made inaccessible.
	 */
	uint8_t open;
};

/* Where a pointer falls in the heap. */
struct halloc_where {
	struct halloc_area *area; /* NULL: outside every area */
	uint32_t cell;
	bool in_cells;            /* cell < area->ncells */
};

/* halloc_layout.c */
int halloc_layout_init(struct halloc *h, uintptr_t base, size_t bytes);
int halloc_small_area(const struct halloc *h, size_t need, size_t align);
int halloc_large_area(const struct halloc *h, size_t data_pages);
/* A cell to use (a released one first, else a fresh one, metadata mapped): index, or -1. */
int64_t halloc_take_cell(struct halloc *h, struct halloc_area *a);
void halloc_give_cell(struct halloc_area *a, uint32_t cell);

/* halloc.c */
void halloc_violation(struct halloc *h, enum halloc_violation kind, uintptr_t addr,
		      uintptr_t block, size_t size, const char *what);
/*
 * Takes up to want random free slots of a small area out of their slabs,
 * as SLOT_CACHED, into keys: how many (fewer: no memory).
 */
uint32_t halloc_slots_take(struct halloc *h, int area, uint64_t *keys, uint32_t want);
void halloc_slot_release(struct halloc *h, uint64_t key);
/* A draw from the heap's layout stream (lock held): seeds a cache's own. */
uint64_t halloc_random64(struct halloc *h);
void halloc_quarantine_many(struct halloc *h, const uint64_t *keys, uint32_t n);

void *halloc_malloc_locked(struct halloc *h, size_t size);
void halloc_free_locked(struct halloc *h, void *ptr);

/*
 * halloc_cache.c: malloc (a small size) and free (p not NULL) through the
 * caller's cache; what a cache cannot serve goes on to the locked path.
 */
void *halloc_cache_malloc(struct halloc *h, size_t size);
void halloc_cache_free(struct halloc *h, uintptr_t p);

/*
 * Where a pointer falls, a cell's start and its metadata: inline, as
 * every free and every cached malloc asks (a call each was a tenth of a
 * small pair's time on the host).
 */
static inline uintptr_t halloc_cell_base(const struct halloc_area *a, uint32_t cell)
{
	return a->base + (uintptr_t)cell * a->cell_bytes;
}

static inline void *halloc_cell_meta(const struct halloc_area *a, uint32_t cell)
{
	return (void *)(a->meta + (uintptr_t)cell * a->stride);
}

/*
 * Lock-free: reads only fields fixed at init and counters that only grow.
 * A zone of a power of two bytes (the heaps' reservations give one) is
 * found with a shift, not a 64-bit division.
 */
static inline void halloc_locate(const struct halloc *h, uintptr_t p, struct halloc_where *w)
{
	size_t zone, cell, zb = h->zone_bytes, off = p - h->base;
	const struct halloc_area *a;

	w->area = NULL;
	w->cell = 0;
	w->in_cells = false;
	if (p < h->base + zb || p >= h->end)
		return;
	zone = (zb & (zb - 1)) ? off / zb : off >> __builtin_ctzll(zb);
	if (zone > (size_t)h->nareas)
		return;
	a = &h->areas[zone - 1];
	cell = (p - a->base) >> a->cell_shift;
	w->area = (struct halloc_area *)a;
	w->cell = (uint32_t)cell;
	w->in_cells = cell < __atomic_load_n(&a->ncells, __ATOMIC_ACQUIRE);
}

/* A block's canary: the secret mixed with its address; its first byte is never 0. */
static inline uint64_t canary_of(const struct halloc *h, uintptr_t block)
{
	uint64_t c = h->canary_secret ^ ((uint64_t)block * 0xff51afd7ed558ccdull);

	return c | 0x80;
}

/*
 * The canary, unaligned, as one 8-byte load or store: __builtin_memcpy,
 * because the kernel is built -fno-builtin, where memcpy was a call (and
 * two rep movs, each emulated step by step under TCG) on every malloc
 * and free. The core is built without the sanitizer's checks (files.mk),
 * so the store into the redzone needs no unchecked copy.
 */
static inline void write_canary(const struct halloc *h, uintptr_t block, size_t size)
{
	uint64_t c = canary_of(h, block);

	__builtin_memcpy((void *)(block + size), &c, sizeof(c));
}

static inline bool canary_intact(const struct halloc *h, uintptr_t block, size_t size)
{
	uint64_t c;

	__builtin_memcpy(&c, (const void *)(block + size), sizeof(c));
	return c == canary_of(h, block);
}

/*
 * Zeroes a freed slot (len a multiple of 16) with inline stores: 32 words
 * a loop step, then 8, then 2. The kernel's memset is a call and rep
 * stos, which TCG emulates one word at a time, each step a pass through
 * the translated block's entry; a loop step of 32 stores is one block
 * with its exit and entry paid once per 256 bytes (a 4112-byte slot: 17
 * loop steps, where 8 stores a step took 65). Small slots take the 8-
 * and 2-word steps. On the host the compiler makes the loops a memset
 * call again.
 */
static inline __attribute__((always_inline)) void zero_slot(uintptr_t p, size_t len)
{
	uint64_t *w = (uint64_t *)p, *end = w + len / 8;

	for (; w + 32 <= end; w += 32) {
#pragma clang loop unroll(full)
		for (int k = 0; k < 32; k++)
			w[k] = 0;
	}
	for (; w + 8 <= end; w += 8) {
#pragma clang loop unroll(full)
		for (int k = 0; k < 8; k++)
			w[k] = 0;
	}
	for (; w < end; w += 2) {
		w[0] = 0;
		w[1] = 0;
	}
}

/*
 * The first nonzero byte in [p, p+len) (len a multiple of 8), or 0. The
 * common case, all zero, ORs the words together, 32 per loop step, then
 * 8, then 2 (as zero_slot, and for the same reason: under TCG, with no
 * SIMD in the kernel, every instruction is emulated and each loop step
 * enters a translated block again). Not vectorised as a loop: on the
 * host the compiler's vector loop and its set-up cost a 32-byte slot
 * more instructions than its whole check.
 */
static inline uintptr_t first_nonzero(uintptr_t p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p, *end = w + len / 8;
	uint64_t any = 0;

#pragma clang loop vectorize(disable) interleave(disable)
	for (; w + 32 <= end; w += 32) {
#pragma clang loop unroll(full)
		for (int k = 0; k < 32; k++)
			any |= w[k];
	}
#pragma clang loop vectorize(disable) interleave(disable)
	for (; w + 8 <= end; w += 8) {
#pragma clang loop unroll(full)
		for (int k = 0; k < 8; k++)
			any |= w[k];
	}
#pragma clang loop vectorize(disable) interleave(disable)
	for (; w + 2 <= end; w += 2)
		any |= w[0] | w[1];
	if (w < end)
		any |= w[0];
	if (!any)
		return 0;
	w = (const uint64_t *)p;
	for (size_t i = 0; i < len / 8; i++) {
		if (w[i]) {
			const uint8_t *b = (const uint8_t *)&w[i];
			int j = 0;

			while (!b[j])
				j++;
			return (uintptr_t)(b + j);
		}
	}
	return 0;
}

/* Packs a quarantined or cached slot as (area << 48) | (slot << 32) | cell. */
static inline uint64_t slot_key(int area, uint32_t cell, uint32_t slot)
{
	return ((uint64_t)area << 48) | ((uint64_t)slot << 32) | cell;
}

static inline uint8_t *slab_states(struct slab_meta *m)
{
	return (uint8_t *)(m + 1);
}

static inline uint16_t *slab_sizes(struct slab_meta *m, uint32_t nslots)
{
	return (uint16_t *)((uint8_t *)(m + 1) + ((nslots + 1) & ~1u));
}

static inline size_t page_round_up(size_t v)
{
	return (v + HALLOC_PAGE - 1) & ~(size_t)(HALLOC_PAGE - 1);
}

#endif
