/*
 * halloc: the hardened allocator's operations (see carapace/halloc.h and
 * hardening/README.md). Every check is always on; a caught violation goes
 * to the backend's reporter.
 *
 * Invariants: a SLOT_FREE slot is all zero (checked when it is handed
 * out, so a write after free is caught before the slot is reused); a used
 * small block of size n has its canary at block + n; a freed small block
 * is zeroed and held in the quarantine, and becomes SLOT_FREE only when
 * the quarantine evicts it (a random entry, once full); a freed medium
 * block (up to HALLOC_MEDIUM_MAX of pages) is zeroed and its pages stay
 * accessible, checked all zero when the cell is reused; a larger one is
 * made inaccessible or unmapped at once; a large cell's address range is
 * reused only after HALLOC_LARGE_QUARANTINE later large frees. Up to SPARE_BYTES of empty
 * slabs per class (two at least) stay mapped; more are unmapped (and
 * their cells reused).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/kasan.h>

#include "halloc_impl.h"

#define MIN_ALIGN 16u
/*
 * Empty slabs kept mapped per class, up to this many bytes (at least two
 * slabs): unmapping a slab and mapping it again is a page-table change and
 * a TLB shootdown each, which a heap that breathes would pay on every
 * emptying.
 */
#define SPARE_BYTES (128u * 1024)
#define SPARE_SLABS_MIN 2

_Static_assert((HALLOC_QUARANTINE & (HALLOC_QUARANTINE - 1)) == 0,
	       "the quarantine's victim is drawn with a mask");

static const char *const violation_names[] = {
	[HALLOC_HEAP_OVERFLOW] = "heap-overflow",
	[HALLOC_DOUBLE_FREE] = "double-free",
	[HALLOC_INVALID_FREE] = "invalid-free",
	[HALLOC_USE_AFTER_FREE] = "use-after-free",
};

const char *halloc_violation_name(enum halloc_violation v)
{
	return (unsigned)v < sizeof(violation_names) / sizeof(violation_names[0])
		       ? violation_names[v] : "?";
}

void halloc_violation(struct halloc *h, enum halloc_violation kind, uintptr_t addr,
		      uintptr_t block, size_t size, const char *what)
{
	struct halloc_report r = { kind, addr, block, size, what };

	h->stats.detected++;
	h->be->report(h->be->ctx, &r);
}

/* The heap's stream, reseeded from the backend's layout stream every 64 Ki uses. */
static uint64_t random64(struct halloc *h)
{
	if (h->rng_uses++ % 65536 == 0) {
		uint64_t fresh[2];

		h->be->layout_random(h->be->ctx, fresh, sizeof(fresh));
		h->rng[0] ^= fresh[0];
		h->rng[1] ^= fresh[1] | 1;
	}
	return splitmix64(h->rng);
}

uint64_t halloc_random64(struct halloc *h)
{
	return random64(h);
}

int halloc_init(struct halloc *h, const struct halloc_backend *be, uintptr_t base,
		size_t bytes)
{
	memset(h, 0, sizeof(*h));
	h->be = be;
	if (halloc_layout_init(h, base, bytes))
		return -EINVAL;
	be->random(be->ctx, &h->canary_secret, sizeof(h->canary_secret));
	be->layout_random(be->ctx, h->rng, sizeof(h->rng));
	return 0;
}

/* --- Slabs ------------------------------------------------------------ */

static bool drop_cache(struct halloc *h);

static struct slab_meta *slab_meta(struct halloc_area *a, uint32_t cell)
{
	return halloc_cell_meta(a, cell);
}

static void partial_push(struct halloc_area *a, uint32_t cell)
{
	struct slab_meta *m = slab_meta(a, cell);

	m->prev = 0;
	m->next = a->partial;
	if (a->partial)
		slab_meta(a, a->partial - 1)->prev = cell + 1;
	a->partial = cell + 1;
}

static void partial_remove(struct halloc_area *a, uint32_t cell)
{
	struct slab_meta *m = slab_meta(a, cell);

	if (m->prev)
		slab_meta(a, m->prev - 1)->next = m->next;
	else
		a->partial = m->next;
	if (m->next)
		slab_meta(a, m->next - 1)->prev = m->prev;
	m->next = m->prev = 0;
}

static int64_t slab_new(struct halloc *h, struct halloc_area *a)
{
	int64_t cell = halloc_take_cell(h, a);
	size_t data = (size_t)a->data_pages * HALLOC_PAGE;
	struct slab_meta *m;

	if (cell < 0)
		return -1;
	if (h->be->map(h->be->ctx, halloc_cell_base(a, (uint32_t)cell), data) &&
	    (!drop_cache(h) || h->be->map(h->be->ctx, halloc_cell_base(a, (uint32_t)cell), data))) {
		halloc_give_cell(a, (uint32_t)cell);
		return -1;
	}
	h->stats.data_mapped += data;
	m = slab_meta(a, (uint32_t)cell);
	memset(m, 0, a->stride); /* every slot SLOT_FREE */
	for (uint32_t s = 0; s < a->nslots; s++)
		m->free_bits[s / 64] |= 1ull << (s % 64);
	m->state = CELL_ACTIVE;
	m->nfree = (uint16_t)a->nslots;
	a->nempty++; /* until its first block is handed out */
	partial_push(a, (uint32_t)cell);
	return cell;
}

/*
 * Unmaps the emptied slabs waiting to go, all at once (one TLB shootdown
 * in the kernel, instead of one per slab), and releases their cells.
 */
static void release_slabs(struct halloc *h)
{
	uint64_t addr[HALLOC_RELEASE_BATCH], len[HALLOC_RELEASE_BATCH];
	int n = h->nreleasing;

	for (int i = 0; i < n; i++) {
		struct halloc_area *a = &h->areas[h->releasing[i] >> 32];

		addr[i] = halloc_cell_base(a, (uint32_t)h->releasing[i]);
		len[i] = (size_t)a->data_pages * HALLOC_PAGE;
		h->stats.data_mapped -= len[i];
	}
	if (h->be->unmap_many)
		h->be->unmap_many(h->be->ctx, addr, len, (unsigned)n);
	else
		for (int i = 0; i < n; i++)
			h->be->unmap(h->be->ctx, addr[i], len[i]);
	for (int i = 0; i < n; i++)
		halloc_give_cell(&h->areas[h->releasing[i] >> 32], (uint32_t)h->releasing[i]);
	h->nreleasing = 0;
}

/*
 * A slab just emptied is kept as a spare, or goes back: its pages are
 * unmapped with the next HALLOC_RELEASE_BATCH - 1 others (until then it
 * stays mapped, all zero, in no list: a free into it is a double free).
 */
static void slab_emptied(struct halloc *h, struct halloc_area *a, uint32_t cell)
{
	size_t data = (size_t)a->data_pages * HALLOC_PAGE;

	uint32_t spare = SPARE_BYTES / (uint32_t)data;

	if (a->nempty < (spare > SPARE_SLABS_MIN ? spare : SPARE_SLABS_MIN)) {
		a->nempty++;
		return;
	}
	partial_remove(a, cell);
	h->releasing[h->nreleasing++] = ((uint64_t)(a - h->areas) << 32) | cell;
	if (h->nreleasing == HALLOC_RELEASE_BATCH)
		release_slabs(h);
}

/*
 * A random free slot of a slab with one: the first free slot at or after a
 * random start, wrapping (a word of the free bitmap at a time).
 */
static inline __attribute__((always_inline)) uint32_t pick_slot(struct halloc *h,
								  struct halloc_area *a,
								  struct slab_meta *m)
{
	/* A multiply, not a division: the bias is below 2^-55. */
	uint32_t start = (uint32_t)(((unsigned __int128)random64(h) * a->nslots) >> 64);
	uint32_t words = (a->nslots + 63) / 64, w = start / 64;
	uint64_t bits = m->free_bits[w] & (~0ull << (start % 64));

	for (uint32_t i = 0; i <= words; i++) {
		if (bits)
			return w * 64 + (uint32_t)__builtin_ctzll(bits);
		w = w + 1 < words ? w + 1 : 0;
		bits = m->free_bits[w];
	}
	return 0; /* not reached: nfree > 0 */
}

static void *small_alloc(struct halloc *h, int area, size_t size)
{
	struct halloc_area *a = &h->areas[area];
	int64_t cell = a->partial ? (int64_t)a->partial - 1 : slab_new(h, a);
	struct slab_meta *m;
	uint32_t slot;
	uintptr_t p, bad;

	if (cell < 0)
		return NULL;
	m = slab_meta(a, (uint32_t)cell);
	slot = pick_slot(h, a, m);
	p = halloc_cell_base(a, (uint32_t)cell) + (uintptr_t)slot * a->slot_bytes;
	if ((bad = first_nonzero(p, a->slot_bytes))) {
		halloc_violation(h, HALLOC_USE_AFTER_FREE, bad, p, 0,
			  "a freed heap block was written to after it was freed");
		memset((void *)p, 0, a->slot_bytes); /* a host test carries on */
		return NULL;
	}
	if (m->nfree == a->nslots)
		a->nempty--; /* a spare no more */
	slab_states(m)[slot] = SLOT_USED;
	m->free_bits[slot / 64] &= ~(1ull << (slot % 64));
	slab_sizes(m, a->nslots)[slot] = (uint16_t)size;
	if (--m->nfree == 0)
		partial_remove(a, (uint32_t)cell);
	write_canary(h, p, size);
	kasan_heap_alloc(p, size, a->slot_bytes);
	return (void *)p;
}

/*
 * A refill's slots, all in one call: each slab's metadata is found once
 * for all the slots taken from it. The slots and the layout stream's
 * draws are those of one take at a time.
 */
uint32_t halloc_slots_take(struct halloc *h, int area, uint64_t *keys, uint32_t want)
{
	struct halloc_area *a = &h->areas[area];
	uint32_t n = 0;

	while (n < want) {
		int64_t cell = a->partial ? (int64_t)a->partial - 1 : slab_new(h, a);
		struct slab_meta *m;

		if (cell < 0)
			break;
		m = slab_meta(a, (uint32_t)cell);
		if (m->nfree == a->nslots)
			a->nempty--; /* a spare no more */
		while (n < want && m->nfree) {
			uint32_t slot = pick_slot(h, a, m);

			slab_states(m)[slot] = SLOT_CACHED;
			m->free_bits[slot / 64] &= ~(1ull << (slot % 64));
			m->nfree--;
			keys[n++] = slot_key(area, (uint32_t)cell, slot);
		}
		if (m->nfree == 0)
			partial_remove(a, (uint32_t)cell);
	}
	return n;
}

/*
 * A quarantined or cached slot becomes free (it is checked when handed
 * out again). Inline where the quarantine lets one go, once per free: a
 * call and its return are two lookups of a translated block under TCG.
 */
static inline __attribute__((always_inline)) void slot_release(struct halloc *h, uint64_t key)
{
	struct halloc_area *a = &h->areas[key >> 48];
	uint32_t cell = (uint32_t)key, slot = (uint32_t)(key >> 32) & 0xffff;
	struct slab_meta *m = slab_meta(a, cell);

	slab_states(m)[slot] = SLOT_FREE;
	m->free_bits[slot / 64] |= 1ull << (slot % 64);
	if (m->nfree++ == 0)
		partial_push(a, cell);
	if (m->nfree == a->nslots)
		slab_emptied(h, a, cell);
}

void halloc_slot_release(struct halloc *h, uint64_t key)
{
	slot_release(h, key);
}

static inline __attribute__((always_inline)) void quarantine_small(struct halloc *h, uint64_t key)
{
	if (h->nquarantine < HALLOC_QUARANTINE) {
		h->quarantine[h->nquarantine++] = key;
	} else {
		int victim = (int)(random64(h) & (HALLOC_QUARANTINE - 1)); /* a power of two */
		uint64_t old = h->quarantine[victim];

		h->quarantine[victim] = key;
		slot_release(h, old);
	}
}

/* The slots a cache given back still held quarantined, into the heap's quarantine. */
void halloc_quarantine_many(struct halloc *h, const uint64_t *keys, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		quarantine_small(h, keys[i]);
}

/*
 * Checks a small block being freed: returns its slot and size, or reports
 * and returns false.
 */
static bool small_check(struct halloc *h, const struct halloc_where *w, uintptr_t p,
			uint32_t *slot, size_t *size)
{
	struct halloc_area *a = w->area;
	struct slab_meta *m = slab_meta(a, w->cell);
	uintptr_t off = p - halloc_cell_base(a, w->cell);

	if (m->state == CELL_RELEASED) {
		halloc_violation(h, HALLOC_DOUBLE_FREE, p, p, 0,
			  "the block's slab was already emptied and released");
		return false;
	}
	if (m->state != CELL_ACTIVE || off >= (uintptr_t)a->nslots * a->slot_bytes ||
	    off % a->slot_bytes) {
		halloc_violation(h, HALLOC_INVALID_FREE, p, 0, 0,
			  "not the start of a heap block (an interior or stray pointer)");
		return false;
	}
	*slot = (uint32_t)(off / a->slot_bytes);
	if (slab_states(m)[*slot] != SLOT_USED) {
		halloc_violation(h, HALLOC_DOUBLE_FREE, p, p, 0, "the block is already free");
		return false;
	}
	*size = slab_sizes(m, a->nslots)[*slot];
	if (!canary_intact(h, p, *size)) {
		halloc_violation(h, HALLOC_HEAP_OVERFLOW, p + *size, p, *size,
			  "the canary after the block was overwritten");
		return false;
	}
	return true;
}

static void small_free(struct halloc *h, const struct halloc_where *w, uintptr_t p,
		       uint32_t slot, size_t size)
{
	struct halloc_area *a = w->area;
	struct slab_meta *m = slab_meta(a, w->cell);

	zero_slot(p, a->slot_bytes);
	kasan_heap_free(p, a->slot_bytes);
	slab_states(m)[slot] = SLOT_QUARANTINED;
	h->stats.requested -= size;
	h->stats.blocks--;
	quarantine_small(h, slot_key((int)(a - h->areas), w->cell, slot));
}

/* --- Large blocks ----------------------------------------------------- */

_Static_assert(HALLOC_MEDIUM_MAX / HALLOC_PAGE <= 64, "a medium block's pages fit a mask");
_Static_assert(HALLOC_CLEAN_BATCH < HALLOC_LARGE_QUARANTINE,
	       "freed medium blocks are checked after a sync before they leave the quarantine");

static uint64_t all_pages(size_t pages)
{
	return pages >= 64 ? ~0ull : (1ull << pages) - 1;
}

/*
 * The pages of a medium cell (from start) that may hold anything but
 * zeroes: those written since they were last zeroed, when the backend
 * can tell (bit i: page i), else all.
 */
static uint64_t medium_written(const struct halloc *h, uintptr_t start, size_t pages)
{
	if (!h->be->pages_written)
		return all_pages(pages);
	return h->be->pages_written(h->be->ctx, start, (unsigned)pages) & all_pages(pages);
}

/* The next run of set bits in mask at or after page *i: its length (0: none left). */
static size_t next_run(uint64_t mask, size_t pages, size_t *i)
{
	size_t j;

	while (*i < pages && !(mask >> *i & 1))
		(*i)++;
	for (j = *i; j < pages && (mask >> j & 1); j++)
		;
	return j - *i;
}

/*
 * Zeroes a freed medium block's written pages (all of them when the
 * backend cannot tell), then has them marked clean: a page that no one
 * writes until the cell is reused still holds zeroes then.
 */
static uint64_t zero_medium(struct halloc *h, uintptr_t start, size_t len)
{
	size_t pages = len / HALLOC_PAGE, n;
	uint64_t written = medium_written(h, start, pages);

	if (written == all_pages(pages)) {
		memset((void *)start, 0, len);
	} else {
		for (size_t i = 0; (n = next_run(written, pages, &i)); i += n)
			memset((void *)(start + i * HALLOC_PAGE), 0, n * HALLOC_PAGE);
	}
	if (h->be->pages_clean && written)
		h->be->pages_clean(h->be->ctx, start, (unsigned)pages, written);
	return written;
}

/* The first nonzero byte in the pages of written (from start), or 0; a host test's are zeroed. */
static uintptr_t medium_nonzero(uintptr_t start, uint64_t written, size_t pages)
{
	uintptr_t bad = 0;
	size_t n;

	for (size_t i = 0; !bad && (n = next_run(written, pages, &i)); i += n) {
		if ((bad = first_nonzero(start + i * HALLOC_PAGE, n * HALLOC_PAGE)))
			memset((void *)(start + i * HALLOC_PAGE), 0, n * HALLOC_PAGE);
	}
	return bad;
}

/*
 * The cleaned pages of the freed medium blocks gathered so far made clean
 * on every CPU (pages_sync), then checked all zero again: a write after
 * free through another CPU's stale entry, before the sync, is in the
 * data. Before any of them can leave the large quarantine, and before
 * their pages can be unmapped (the shrinker).
 */
static void clean_sync(struct halloc *h)
{
	int n = h->ncleaning;

	h->ncleaning = 0;
	h->clean_age = 0;
	if (!n || !h->be->pages_sync(h->be->ctx))
		return;
	for (int i = 0; i < n; i++) {
		struct halloc_area *a = &h->areas[h->cleaning[i] >> 32];
		uint32_t cell = (uint32_t)h->cleaning[i];
		struct large_meta *m = halloc_cell_meta(a, cell);
		uintptr_t bad = medium_nonzero(halloc_cell_base(a, cell), h->cleaning_pages[i],
					       m->cached_pages);

		if (bad)
			halloc_violation(h, HALLOC_USE_AFTER_FREE, bad, m->ptr, m->size,
					 "a freed heap block was written to after it was freed");
	}
}

/* A freed medium block's cleaned pages, to be checked after the next sync (lock held). */
static void clean_later(struct halloc *h, const struct halloc_where *w, uint64_t written)
{
	if (!h->be->pages_sync || !written)
		return;
	h->cleaning[h->ncleaning] = ((uint64_t)(w->area - h->areas) << 32) | w->cell;
	h->cleaning_pages[h->ncleaning++] = written;
	if (h->ncleaning == HALLOC_CLEAN_BATCH)
		clean_sync(h);
}

/*
 * A reused medium cell's pages to check all zero once the lock is
 * dropped (len 0: none), so that other threads need not wait for a pass
 * over up to 256 KiB; the cell is the allocating thread's meanwhile.
 */
struct zero_check {
	uintptr_t start, old_ptr;
	size_t len, old_size;
};

static void check_zero_later(struct halloc *h, const struct zero_check *zc)
{
	uintptr_t bad;

	if (zc->len && (bad = first_nonzero(zc->start, zc->len))) {
		h->be->lock(h->be->ctx);
		halloc_violation(h, HALLOC_USE_AFTER_FREE, bad, zc->old_ptr, zc->old_size,
				 "a freed heap block was written to after it was freed");
		h->be->unlock(h->be->ctx);
		memset((void *)zc->start, 0, zc->len); /* a host test carries on */
	}
}

/*
 * Gives the cell's first pages, from its start, readable and writable
 * zeroed pages: the pages a freed block left cached (inaccessible, zeroed
 * when it was freed) are made accessible again, the rest are mapped. A
 * medium block's pages that are kept are checked all zero now, or by the
 * caller after the lock (zc not NULL).
 */
static int large_pages(struct halloc *h, uintptr_t start, struct large_meta *m, size_t pages,
		       struct zero_check *zc)
{
	size_t keep = m->cached_pages < pages ? m->cached_pages : pages;
	size_t cached = (size_t)m->cached_pages * HALLOC_PAGE;
	bool open = m->open;
	uintptr_t bad;

	/*
	 * A medium block's pages stayed writable: still all zero, or written
	 * after free. Only the pages written since the free can be other
	 * than zero: when the backend tells which, they alone are checked,
	 * at once; else all are, the part to keep after the lock.
	 */
	if (open) {
		uint64_t written = medium_written(h, start, m->cached_pages);
		bool all = written == all_pages(m->cached_pages);
		size_t later = zc && all ? keep * HALLOC_PAGE : 0;

		bad = all ? first_nonzero(start + later, cached - later)
			  : medium_nonzero(start, written, m->cached_pages);
		if (bad) {
			halloc_violation(h, HALLOC_USE_AFTER_FREE, bad, m->ptr, m->size,
					 "a freed heap block was written to after it was freed");
			if (all) /* a host test carries on */
				memset((void *)(start + later), 0, cached - later);
		}
		if (later)
			*zc = (struct zero_check){ start, m->ptr, later, m->size };
	}
	m->cached_pages = 0;
	m->open = 0;
	h->stats.cached -= cached;
	if (cached > keep * HALLOC_PAGE) { /* more than needed: the rest goes */
		h->be->unmap(h->be->ctx, start + keep * HALLOC_PAGE, cached - keep * HALLOC_PAGE);
		h->stats.data_mapped -= cached - keep * HALLOC_PAGE;
	}
	if (keep && !open && h->be->protect(h->be->ctx, start, keep * HALLOC_PAGE, true)) {
		h->be->unmap(h->be->ctx, start, keep * HALLOC_PAGE);
		h->stats.data_mapped -= keep * HALLOC_PAGE;
		keep = 0;
	}
	if (pages > keep &&
	    h->be->map(h->be->ctx, start + keep * HALLOC_PAGE, (pages - keep) * HALLOC_PAGE)) {
		if (keep) {
			h->be->unmap(h->be->ctx, start, keep * HALLOC_PAGE);
			h->stats.data_mapped -= keep * HALLOC_PAGE;
		}
		if (zc)
			zc->len = 0; /* unmapped: nothing left to check */
		return -1;
	}
	h->stats.data_mapped += (pages - keep) * HALLOC_PAGE;
	return 0;
}

/* Unmaps the pages a freed cell keeps cached. */
static void uncache(struct halloc *h, struct halloc_area *a, uint32_t cell)
{
	struct large_meta *m = halloc_cell_meta(a, cell);
	size_t bytes = (size_t)m->cached_pages * HALLOC_PAGE;

	if (!bytes)
		return;
	if (m->state == CELL_RELEASED)
		a->released_cached -= bytes;
	h->be->unmap(h->be->ctx, halloc_cell_base(a, cell), bytes);
	h->stats.data_mapped -= bytes;
	h->stats.cached -= bytes;
	m->cached_pages = 0;
	m->open = 0;
}

/*
 * Unmaps the pages that released cells (those on the free-cell lists) of
 * every large area but skip keep cached, until the cache holds at most
 * keep bytes.
 */
static void uncache_released(struct halloc *h, const struct halloc_area *skip, size_t keep)
{
	for (int i = HALLOC_SMALL_CLASSES; i < h->nareas && h->stats.cached > keep; i++) {
		struct halloc_area *a = &h->areas[i];

		for (uint32_t c = a->free_cells; c && a != skip && a->released_cached &&
						  h->stats.cached > keep;) {
			struct large_meta *m = halloc_cell_meta(a, c - 1);

			uncache(h, a, c - 1);
			c = m->next;
		}
	}
}

/*
 * Unmaps cached pages until the cache holds at most keep bytes: the
 * released cells' first, then the quarantined ones, oldest first.
 */
static void shrink_cache(struct halloc *h, size_t keep)
{
	clean_sync(h); /* their pages may be unmapped below */
	uncache_released(h, NULL, keep);
	for (int i = 0; i < h->nlarge_quarantine && h->stats.cached > keep; i++) {
		uint64_t key = h->large_quarantine[(h->large_head + i) % HALLOC_LARGE_QUARANTINE];

		uncache(h, &h->areas[key >> 32], (uint32_t)key);
	}
}

/* Gives every cached page back (a map failed: the memory may be needed elsewhere). */
static bool drop_cache(struct halloc *h)
{
	bool any = h->stats.cached || h->nreleasing;

	if (h->nreleasing)
		release_slabs(h);
	shrink_cache(h, 0);
	return any;
}

size_t halloc_shrink(struct halloc *h, size_t wanted)
{
	size_t before, mapped;

	h->be->lock(h->be->ctx);
	before = h->stats.cached;
	mapped = h->stats.data_mapped;
	if (h->nreleasing)
		release_slabs(h);
	shrink_cache(h, wanted < before ? before - wanted : 0);
	mapped -= h->stats.data_mapped;
	h->be->unlock(h->be->ctx);
	return mapped;
}

/*
 * Makes room in the cache for need more bytes by unmapping the pages that
 * released cells of other areas keep (a heap that moved on to other sizes
 * would otherwise hold the cache with pages no one reuses). False if
 * there is still no room.
 */
static bool cache_room(struct halloc *h, const struct halloc_area *own, size_t need)
{
	if (need > HALLOC_LARGE_CACHE)
		return false;
	uncache_released(h, own, HALLOC_LARGE_CACHE - need);
	return h->stats.cached + need <= HALLOC_LARGE_CACHE;
}

static void *large_alloc(struct halloc *h, size_t size, size_t align, struct zero_check *zc)
{
	size_t extra = align > MIN_ALIGN ? align : 0;
	size_t data, pages;
	struct halloc_area *a;
	struct large_meta *m;
	uintptr_t start, end;
	int64_t cell;
	int area;

	if (size > h->zone_bytes || extra > h->zone_bytes)
		return NULL;
	data = page_round_up(size + extra);
	pages = data / HALLOC_PAGE;
	if ((area = halloc_large_area(h, pages)) < 0)
		return NULL;
	a = &h->areas[area];
	if ((cell = halloc_take_cell(h, a)) < 0)
		return NULL;
	start = halloc_cell_base(a, (uint32_t)cell);
	m = halloc_cell_meta(a, (uint32_t)cell);
	a->released_cached -= (size_t)m->cached_pages * HALLOC_PAGE; /* 0 for a fresh cell */
	if (large_pages(h, start, m, pages, zc) &&
	    (!drop_cache(h) || large_pages(h, start, m, pages, zc))) {
		halloc_give_cell(a, (uint32_t)cell);
		return NULL;
	}
	end = start + data;
	/* The block ends where the mapping does (to the alignment): an overflow faults. */
	m->ptr = (end - size) & ~(uintptr_t)((align > MIN_ALIGN ? align : MIN_ALIGN) - 1);
	m->size = size;
	m->next = 0;
	m->state = CELL_ACTIVE;
	kasan_heap_alloc(m->ptr, size, end - m->ptr);
	return (void *)m->ptr;
}

static bool large_check(struct halloc *h, const struct halloc_where *w, uintptr_t p,
			size_t *size)
{
	struct large_meta *m = halloc_cell_meta(w->area, w->cell);

	if (m->ptr == p && (m->state == CELL_QUARANTINED || m->state == CELL_RELEASED)) {
		halloc_violation(h, HALLOC_DOUBLE_FREE, p, p, m->size, "the block is already free");
		return false;
	}
	if (m->ptr != p || m->state != CELL_ACTIVE) {
		halloc_violation(h, HALLOC_INVALID_FREE, p, 0, 0,
			  "not the start of a heap block (an interior or stray pointer)");
		return false;
	}
	*size = m->size;
	return true;
}

/*
 * A freed medium block (pages up to HALLOC_MEDIUM_MAX) is zeroed and its
 * pages stay as they are, in the cache while it has room: no page-table
 * change, the cost of a slab's slot (a write after free is caught when
 * the cell is used again; a read after free reads zeroes). A larger
 * block's pages are taken away at once, so that any access to it faults:
 * while the cache has room they stay mapped, inaccessible (and zero when
 * given back), to be given back by a later large_alloc of the cell (a
 * change of protection instead of a new mapping: no frames to allocate
 * and zero, no page tables to build); otherwise they are unmapped. Its
 * addresses are reused only after the quarantine.
 */
static void large_quarantine(struct halloc *h, const struct halloc_where *w);

/*
 * later: a medium block is zeroed by the caller once the lock is dropped
 * (the size to zero is returned), then passed to large_quarantine; the
 * cell, freed already, is in no list meanwhile. Otherwise all is done.
 */
static size_t large_free(struct halloc *h, const struct halloc_where *w, bool later)
{
	struct halloc_area *a = w->area;
	struct large_meta *m = halloc_cell_meta(a, w->cell);
	uintptr_t start = halloc_cell_base(a, w->cell);
	size_t data = page_round_up(m->ptr + m->size) - start;
	bool room = cache_room(h, a, data);

	m->cached_pages = 0;
	m->open = 0;

	if (data <= HALLOC_MEDIUM_MAX && room) {
		if (!later)
			clean_later(h, w, zero_medium(h, start, data));
		m->cached_pages = (uint32_t)(data / HALLOC_PAGE);
		m->open = 1;
		h->stats.cached += data;
	} else if (h->be->protect && room) {
		if (h->be->protect(h->be->ctx, start, data, false) == 0) {
			m->cached_pages = (uint32_t)(data / HALLOC_PAGE);
			h->stats.cached += data;
		}
	}
	later = later && m->open;
	/* Zeroed first: the sanitizer's poison forbids the kernel's own writes too. */
	if (!later)
		kasan_heap_free(m->ptr, start + data - m->ptr);
	if (!m->cached_pages) {
		h->be->unmap(h->be->ctx, start, data);
		h->stats.data_mapped -= data;
	}
	h->stats.requested -= m->size;
	h->stats.blocks--;
	m->state = CELL_QUARANTINED;
	if (later)
		return data;
	large_quarantine(h, w);
	return 0;
}

/* The freed cell joins the large quarantine; the oldest one leaves it. */
static void large_quarantine(struct halloc *h, const struct halloc_where *w)
{
	struct halloc_area *a = w->area;

	if (h->ncleaning && ++h->clean_age >= HALLOC_CLEAN_BATCH)
		clean_sync(h); /* long before the blocks gathered can leave the quarantine */

	if (h->nlarge_quarantine == HALLOC_LARGE_QUARANTINE) {
		uint64_t old = h->large_quarantine[h->large_head];
		struct halloc_area *oa = &h->areas[old >> 32];

		oa->released_cached += (size_t)((struct large_meta *)halloc_cell_meta(
					       oa, (uint32_t)old))->cached_pages * HALLOC_PAGE;
		halloc_give_cell(oa, (uint32_t)old);
		h->nlarge_quarantine--;
		h->large_head = (h->large_head + 1) % HALLOC_LARGE_QUARANTINE;
	}
	h->large_quarantine[(h->large_head + h->nlarge_quarantine++) % HALLOC_LARGE_QUARANTINE] =
		((uint64_t)(a - h->areas) << 32) | w->cell;
}

/* --- The operations --------------------------------------------------- */

/* Allocates with the lock held. align: a power of two, at least MIN_ALIGN. */
static void *alloc_locked(struct halloc *h, size_t size, size_t align, struct zero_check *zc)
{
	void *p = NULL;
	int area = -1;

	if (size <= HALLOC_MAX_SMALL && align <= HALLOC_PAGE)
		area = halloc_small_area(h, size + HALLOC_CANARY, align);
	if (area >= 0)
		p = small_alloc(h, area, size);
	else
		p = large_alloc(h, size, align, zc);
	if (p) {
		h->stats.requested += size;
		h->stats.blocks++;
	}
	return p;
}

/*
 * Checks ptr as a block to free or resize: true with its size, or reported
 * (false). ptr is not NULL.
 */
static bool check_block(struct halloc *h, uintptr_t p, struct halloc_where *w, size_t *size,
			uint32_t *slot)
{
	halloc_locate(h, p, w);
	if (!w->area || !w->in_cells) {
		halloc_violation(h, HALLOC_INVALID_FREE, p, 0, 0,
			  w->area ? "not the start of a heap block (an interior or stray pointer)"
				  : "not a heap pointer (stack, global or foreign memory)");
		return false;
	}
	if (w->area->slot_bytes)
		return small_check(h, w, p, slot, size);
	return large_check(h, w, p, size);
}

static void free_checked(struct halloc *h, struct halloc_where *w, uintptr_t p,
			 uint32_t slot, size_t size)
{
	if (w->area->slot_bytes)
		small_free(h, w, p, slot, size);
	else
		large_free(h, w, false);
}

/*
 * The locked path of malloc (every size; the caches' fallback). Not
 * inlined: its frame would be set up on halloc_malloc's cached path too.
 */
__attribute__((noinline)) void *halloc_malloc_locked(struct halloc *h, size_t size)
{
	struct zero_check zc = { 0 };
	void *p;

	h->be->lock(h->be->ctx);
	p = alloc_locked(h, size, MIN_ALIGN, &zc);
	h->be->unlock(h->be->ctx);
	check_zero_later(h, &zc);
	return p;
}

/* A small block goes through the caller's cache, in a tail call: no frame of its own here. */
void *halloc_malloc(struct halloc *h, size_t size)
{
	if (h->be->cache_get && size <= HALLOC_MAX_SMALL)
		return halloc_cache_malloc(h, size);
	return halloc_malloc_locked(h, size);
}

/* Every block comes zeroed (free slots are all zero, large mappings fresh). */
void *halloc_calloc(struct halloc *h, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	return halloc_malloc(h, nmemb * size);
}

void *halloc_aligned(struct halloc *h, size_t align, size_t size)
{
	struct zero_check zc = { 0 };
	void *p;

	if (align == 0 || (align & (align - 1)))
		return NULL;
	h->be->lock(h->be->ctx);
	p = alloc_locked(h, size, align < MIN_ALIGN ? MIN_ALIGN : align, &zc);
	h->be->unlock(h->be->ctx);
	check_zero_later(h, &zc);
	return p;
}

/* The locked path of free (the caches' fallback: it checks again and reports). */
__attribute__((noinline)) void halloc_free_locked(struct halloc *h, void *ptr)
{
	struct halloc_where w;
	uint32_t slot = 0;
	size_t size;

	h->be->lock(h->be->ctx);
	if (check_block(h, (uintptr_t)ptr, &w, &size, &slot)) {
		size_t zero = w.area->slot_bytes ? 0 : large_free(h, &w, true);

		if (zero) { /* a medium block: zeroed without the lock */
			uintptr_t start = halloc_cell_base(w.area, w.cell);
			uintptr_t block = ((struct large_meta *)halloc_cell_meta(w.area, w.cell))->ptr;

			uint64_t written;

			h->be->unlock(h->be->ctx);
			written = zero_medium(h, start, zero);
			kasan_heap_free(block, start + zero - block);
			(void)block; /* read by SAN=kasan builds only */
			h->be->lock(h->be->ctx);
			clean_later(h, &w, written);
			large_quarantine(h, &w);
		} else if (w.area->slot_bytes) {
			small_free(h, &w, (uintptr_t)ptr, slot, size);
		}
	}
	h->be->unlock(h->be->ctx);
}

/*
 * SAN=kasan keeps this frame (no tail call): its "freed by" backtraces
 * name halloc_free, as the kasan-use-after-free case expects.
 */
#ifdef CARAPACE_SAN_KASAN
__attribute__((disable_tail_calls))
#endif
void halloc_free(struct halloc *h, void *ptr)
{
	if (!ptr)
		return;
	if (h->be->cache_get)
		halloc_cache_free(h, (uintptr_t)ptr);
	else
		halloc_free_locked(h, ptr);
}

/*
 * A small block that still fits its slot is resized in place (new canary);
 * anything else moves. The old block is checked as free checks it.
 */
void *halloc_realloc(struct halloc *h, void *ptr, size_t size)
{
	struct halloc_where w;
	uint32_t slot = 0;
	size_t old;
	void *p = NULL;

	if (!ptr)
		return halloc_malloc(h, size);
	h->be->lock(h->be->ctx);
	if (!check_block(h, (uintptr_t)ptr, &w, &old, &slot))
		goto out;
	if (w.area->slot_bytes && size <= HALLOC_MAX_SMALL &&
	    size + HALLOC_CANARY <= w.area->slot_bytes) {
		struct slab_meta *m = slab_meta(w.area, w.cell);

		/* Bytes past the new end are zeroed (stale data, the old canary). */
		if (size < old + HALLOC_CANARY)
			memset((char *)ptr + size, 0, old + HALLOC_CANARY - size);
		slab_sizes(m, w.area->nslots)[slot] = (uint16_t)size;
		write_canary(h, (uintptr_t)ptr, size);
		kasan_heap_alloc((uintptr_t)ptr, size, w.area->slot_bytes);
		h->stats.requested += size - old;
		p = ptr;
		goto out;
	}
	if ((p = alloc_locked(h, size, MIN_ALIGN, NULL))) {
		memcpy(p, ptr, old < size ? old : size);
		free_checked(h, &w, (uintptr_t)ptr, slot, old);
	}
out:
	h->be->unlock(h->be->ctx);
	return p;
}

size_t halloc_usable_size(struct halloc *h, const void *ptr)
{
	struct halloc_where w;
	uint32_t slot;
	size_t size = 0;

	if (!ptr)
		return 0;
	h->be->lock(h->be->ctx);
	if (!check_block(h, (uintptr_t)ptr, &w, &size, &slot))
		size = 0;
	h->be->unlock(h->be->ctx);
	return size;
}
