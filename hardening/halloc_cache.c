/*
 * halloc's caches: small blocks handed out and freed without the heap's
 * lock (see hardening/README.md, "Caches"). One cache per CPU in the
 * kernel, per thread on the host; only its owner touches it.
 *
 * A magazine holds free slots of one class (SLOT_CACHED: no other cache
 * or thread gets them): slots that a refill took from the slabs under the
 * lock, drawn from the layout stream as every slot is, and slots that
 * left this cache's quarantine. Handing one out is what small_alloc
 * does, without the lock: the slot checked all zero, its state, size and
 * canary written. A free changes the slot's state from SLOT_USED to
 * SLOT_QUARANTINED with one compare-and-swap (of two frees of one block,
 * one only can win), then checks the canary, zeroes the block and puts
 * its key in the cache's quarantine, from which a random one leaves
 * (once it is full) into its class's magazine. So a program that frees
 * as much as it allocates takes no lock: the lock (and the heap's shared
 * lines: its quarantine, the slabs' free bitmaps and lists) was a third
 * of a small pair's time on one thread, and serialised the threads.
 * Whatever is not plain (a slot not SLOT_USED, a changed canary, a large
 * block, a bad pointer) goes to the locked path, which checks it again
 * and reports it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/kasan.h>

#include "halloc_impl.h"

#define REFILL_BYTES (32u << 10)

/* Free slots a refill takes: up to REFILL_BYTES of them, 2 at least. */
static uint32_t refill_count(const struct halloc_area *a)
{
	uint32_t n = REFILL_BYTES / a->slot_bytes;

	return n < 2 ? 2 : n > HALLOC_MAGAZINE ? HALLOC_MAGAZINE : n;
}

/*
 * The cache given back (own: the caller's, given; a backend whose cache
 * stays its caller's has nothing to undo either).
 */
static inline __attribute__((always_inline)) void cache_leave(struct halloc *h,
							      struct halloc_cache *own,
							      uint64_t saved)
{
	if (!own && h->be->cache_put)
		h->be->cache_put(h->be->ctx, saved);
}

/* The cache to use: own if given (the caller's), else the backend's; NULL: none. */
static inline __attribute__((always_inline)) struct halloc_cache *
cache_enter(struct halloc *h, struct halloc_cache *own, uint64_t *saved)
{
	struct halloc_cache *c = own;

	*saved = 0;
	if (!c)
		c = h->be->cache_get(h->be->ctx, saved);
	if (c && c->heap != h) {
		if (c->heap) { /* another heap's: not for this one */
			cache_leave(h, own, *saved);
			return NULL;
		}
		c->heap = h;
	}
	return c;
}

/* With the lock held: the cache's counts go into the heap's. */
static void fold_stats(struct halloc *h, struct halloc_cache *c)
{
	h->stats.blocks += (size_t)c->blocks;
	h->stats.requested += (size_t)c->requested;
	c->blocks = c->requested = 0;
}

/* With the lock held: the slots out of the quarantine whose magazine was full go back to their slabs. */
static void drain(struct halloc *h, struct halloc_cache *c)
{
	fold_stats(h, c);
	for (uint32_t i = 0; i < c->nfreed; i++)
		halloc_slot_release(h, c->freed[i]);
	c->nfreed = 0;
}

/*
 * The cache's stream seeded (on its first use) and reseeded every 64 Ki
 * draws from the heap's layout stream, under the lock: a single-threaded
 * program repeats its layout under aslr=off and aslr.seed=N.
 */
static __attribute__((noinline)) void cache_reseed(struct halloc *h, struct halloc_cache *c)
{
	h->be->lock(h->be->ctx);
	fold_stats(h, c);
	c->rng[0] ^= halloc_random64(h);
	c->rng[1] ^= halloc_random64(h) | 1;
	h->be->unlock(h->be->ctx);
}

/*
 * A slot out of the quarantine, zeroed when it was freed: to its class's
 * magazine (while it holds fewer than a refill takes), handed out next
 * (checked all zero first, as every slot is), or, the magazine full, to
 * the batch for the slabs.
 */
static inline __attribute__((always_inline)) void cache_reuse(struct halloc *h,
							      struct halloc_cache *c, uint64_t key)
{
	int area = (int)(key >> 48);
	const struct halloc_area *a = &h->areas[area];
	__typeof__(c->mag[0]) *mag = &c->mag[area];
	uint32_t n = mag->n;

	/* n < refill_count(a), without its division */
	if (n < HALLOC_MAGAZINE && (n < 2 || (n + 1) * a->slot_bytes <= REFILL_BYTES)) {
		struct slab_meta *m = halloc_cell_meta(a, (uint32_t)key);

		/* Atomic: a racing free of this block (a double free) reads it. */
		__atomic_store_n(&slab_states(m)[(key >> 32) & 0xffff], SLOT_CACHED,
				 __ATOMIC_RELAXED);
		mag->key[mag->n++] = key;
		return;
	}
	c->freed[c->nfreed++] = key;
	if (c->nfreed == HALLOC_FREE_BATCH) {
		h->be->lock(h->be->ctx);
		drain(h, c);
		h->be->unlock(h->be->ctx);
	}
}

/*
 * A freed slot of bytes into the cache's quarantine, after random ones
 * leave while it is full (of slots or of bytes).
 */
static inline __attribute__((always_inline)) void cache_quarantine(struct halloc *h,
								   struct halloc_cache *c,
								   uint64_t key, uint32_t bytes)
{
	while (c->nquarantine == HALLOC_QUARANTINE ||
	       (c->nquarantine && c->quarantine_bytes + bytes > HALLOC_CACHE_QUARANTINE_BYTES)) {
		uint32_t victim;
		uint64_t old;

		if (c->rng_uses++ % 65536 == 0)
			cache_reseed(h, c);
		victim = splitmix64_below(c->rng, c->nquarantine); /* bias below 2^-55 */
		old = c->quarantine[victim];
		c->quarantine[victim] = c->quarantine[--c->nquarantine];
		c->quarantine_bytes -= h->areas[old >> 48].slot_bytes;
		cache_reuse(h, c, old);
	}
	c->quarantine[c->nquarantine++] = key;
	c->quarantine_bytes += bytes;
}

/* Fills an empty magazine; false if no slot could be had (no memory). */
static bool refill(struct halloc *h, struct halloc_cache *c, int area)
{
	uint32_t want = refill_count(&h->areas[area]);
	__typeof__(c->mag[0]) *mag = &c->mag[area];

	h->be->lock(h->be->ctx);
	fold_stats(h, c);
	if (mag->n < want)
		mag->n += halloc_slots_take(h, area, &mag->key[mag->n], want - mag->n);
	h->be->unlock(h->be->ctx);
	return mag->n > 0;
}

static inline __attribute__((always_inline)) void *cache_malloc(struct halloc *h,
								  struct halloc_cache *own,
								  size_t size)
{
	int area = h->class_of[(size + HALLOC_CANARY + 15) / 16];
	struct halloc_area *a = &h->areas[area];
	struct halloc_cache *c;
	struct slab_meta *m;
	uint64_t saved, key;
	uint32_t cell, slot;
	uintptr_t p, bad;

	if (!(c = cache_enter(h, own, &saved)))
		return halloc_malloc_locked(h, size);
	if (!c->mag[area].n && !refill(h, c, area)) {
		p = 0;
		goto out;
	}
	key = c->mag[area].key[c->mag[area].n - 1];
	cell = (uint32_t)key;
	slot = (uint32_t)(key >> 32) & 0xffff;
	p = halloc_cell_base(a, cell) + (uintptr_t)slot * a->slot_bytes;
	if ((bad = first_nonzero(p, a->slot_bytes))) {
		h->be->lock(h->be->ctx);
		halloc_violation(h, HALLOC_USE_AFTER_FREE, bad, p, 0,
				 "a freed heap block was written to after it was freed");
		h->be->unlock(h->be->ctx);
		memset((void *)p, 0, a->slot_bytes); /* a host test carries on */
		p = 0;
		goto out;
	}
	c->mag[area].n--;
	m = halloc_cell_meta(a, cell);
	slab_sizes(m, a->nslots)[slot] = (uint16_t)size;
	write_canary(h, p, size);
	/* Atomic: a racing free of another slot's byte, or a stray one of this, uses a CAS. */
	__atomic_store_n(&slab_states(m)[slot], SLOT_USED, __ATOMIC_RELEASE);
	kasan_heap_alloc(p, size, a->slot_bytes);
	c->blocks++;
	c->requested += (int64_t)size;
out:
	cache_leave(h, own, saved);
	return (void *)p;
}

void *halloc_cache_malloc(struct halloc *h, size_t size)
{
	return cache_malloc(h, NULL, size);
}

void *halloc_malloc_cached(struct halloc *h, struct halloc_cache *c, size_t size)
{
	if (size > HALLOC_MAX_SMALL)
		return halloc_malloc_locked(h, size);
	return cache_malloc(h, c, size);
}

static inline __attribute__((always_inline)) void cache_free(struct halloc *h,
							     struct halloc_cache *own, uintptr_t p)
{
	struct halloc_where w;
	struct halloc_area *a;
	struct halloc_cache *c;
	struct slab_meta *m;
	uint8_t used = SLOT_USED;
	uint64_t saved;
	uintptr_t off;
	uint32_t slot;
	size_t size;

	halloc_locate(h, p, &w);
	if (!w.area || !w.in_cells || !(a = w.area)->slot_bytes)
		goto locked;
	off = p - halloc_cell_base(a, w.cell); /* below 2^17: the division is exact */
	slot = (uint32_t)(((uint64_t)off * a->slot_recip) >> 32);
	if (slot >= a->nslots || (uintptr_t)slot * a->slot_bytes != off)
		goto locked;
	m = halloc_cell_meta(a, w.cell);
	/* Only a block in use leaves this way, and only once. */
	if (!__atomic_compare_exchange_n(&slab_states(m)[slot], &used, SLOT_QUARANTINED, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		goto locked;
	size = slab_sizes(m, a->nslots)[slot];
	if (!canary_intact(h, p, size) || !(c = cache_enter(h, own, &saved))) {
		__atomic_store_n(&slab_states(m)[slot], SLOT_USED, __ATOMIC_RELAXED);
		goto locked; /* the locked path reports it, or frees it */
	}
	zero_slot(p, a->slot_bytes);
	kasan_heap_free(p, a->slot_bytes);
	c->blocks--;
	c->requested -= (int64_t)size;
	cache_quarantine(h, c, slot_key((int)(a - h->areas), w.cell, slot), a->slot_bytes);
	cache_leave(h, own, saved);
	return;
locked:
	halloc_free_locked(h, (void *)p);
}

void halloc_cache_free(struct halloc *h, uintptr_t p)
{
	cache_free(h, NULL, p);
}

void halloc_free_cached(struct halloc *h, struct halloc_cache *c, void *ptr)
{
	if (ptr)
		cache_free(h, c, (uintptr_t)ptr);
}

void halloc_cache_flush(struct halloc *h, struct halloc_cache *c)
{
	if (c->heap != h)
		return;
	h->be->lock(h->be->ctx);
	drain(h, c);
	/* Still quarantined: into the heap's quarantine. */
	halloc_quarantine_many(h, c->quarantine, c->nquarantine);
	c->nquarantine = 0;
	c->quarantine_bytes = 0;
	for (int i = 0; i < HALLOC_SMALL_CLASSES; i++) {
		while (c->mag[i].n)
			halloc_slot_release(h, c->mag[i].key[--c->mag[i].n]);
	}
	h->be->unlock(h->be->ctx);
}
