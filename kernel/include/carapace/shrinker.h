/*
 * The shrinker API (after OSv's): a cache, the kernel's or an
 * application's, registers a callback that gives memory back. When free
 * memory is about to fall below a watermark, the allocator's entry points
 * call shrinker_before_alloc, which asks the shrinkers in turn for the
 * shortfall before the allocation is tried, so a cache that holds all free
 * memory does not make a later allocation fail.
 *
 * Portable: the free-memory reading is injected (shrinker_init), so the
 * host tests run the same code with a fake (tests/unit/test_shrinker.c).
 */
#ifndef CARAPACE_SHRINKER_H
#define CARAPACE_SHRINKER_H

#include <stddef.h>

/* At most this many shrinkers at once; one more gets -ENOSPC. */
#define SHRINKER_MAX 16

/*
 * Asked to free about `wanted` bytes; returns the bytes it freed (0 when
 * it has nothing left). It may call free and malloc: a nested
 * shrinker_before_alloc does not call shrinkers again.
 */
typedef size_t (*shrinker_fn)(size_t wanted, void *arg);

/*
 * free_bytes: reads free memory now. watermark: the bytes that should stay
 * free. Called once at boot (memory_init) and by tests.
 */
void shrinker_init(size_t (*free_bytes)(void), size_t watermark);

/* A slot number (>= 0), -EINVAL (no fn) or -ENOSPC (SHRINKER_MAX in use). */
int shrinker_register(const char *name, shrinker_fn fn, void *arg);
/*
 * 0, or -EINVAL for a slot not in use. Waits while a reclaim is running,
 * so the callback is not called once this returns.
 */
int shrinker_unregister(int id);

/*
 * Before an allocation of `bytes`: when free memory minus bytes is below
 * the watermark, asks the shrinkers (round robin, starting after the one
 * asked last) for the shortfall until it is met or all said 0. Returns the
 * bytes the shrinkers reported freed (0 when none were asked).
 */
size_t shrinker_before_alloc(size_t bytes);

size_t shrinker_watermark(void);
size_t shrinker_free_bytes(void);

/* Counters since boot: reclaims run, shrinker calls, bytes given back. */
struct shrinker_stats {
	unsigned long long reclaims, calls, freed;
};
void shrinker_get_stats(struct shrinker_stats *out);

#endif
