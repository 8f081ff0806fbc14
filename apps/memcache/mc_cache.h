/*
 * The item store of Carapace's memcached: a chained hash table and an LRU
 * list, its size limited by a byte budget that the shrinker API can lower
 * at any time (mc_cache_shrink). Portable C: the same file runs in the
 * application and in the host tests (tests/unit/test_mc_proto.c). Not
 * thread-safe: the server calls it from one thread.
 */
#ifndef MC_CACHE_H
#define MC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MC_KEY_MAX 250
#define MC_VALUE_MAX (1024 * 1024)

struct mc_item {
	struct mc_item *hnext;        /* hash chain */
	struct mc_item *newer, *older; /* LRU list */
	uint64_t cas;
	int64_t exptime; /* absolute seconds; 0: never */
	int64_t set_time;
	uint32_t flags;
	uint32_t nkey, nbytes;
	uint32_t hash; /* the key's: chains are searched and rebuilt without rehashing */
	char data[]; /* key, then value */
};

struct mc_stats {
	uint64_t curr_items, total_items, bytes, evictions, reclaimed;
	uint64_t cmd_get, cmd_set, cmd_touch, get_hits, get_misses;
	uint64_t delete_hits, delete_misses, incr_hits, incr_misses;
	uint64_t decr_hits, decr_misses, cas_hits, cas_misses, cas_badval;
	uint64_t touch_hits, touch_misses, flushes;
};

struct mc_cache {
	struct mc_item **buckets;
	size_t nbuckets;
	struct mc_item *newest, *oldest;
	size_t used;  /* bytes of items (headers included) */
	size_t limit; /* 0: none besides what malloc gives */
	uint64_t next_cas;
	int64_t flush_before; /* from then on, items set before it are gone (-1: none) */
	int64_t (*now)(void);
	/*
	 * The item the protocol code is reading while it allocates (output,
	 * a new item): the shrinker, which runs inside malloc, skips it.
	 */
	struct mc_item *pinned;
	struct mc_stats stats;
};

int mc_cache_init(struct mc_cache *c, size_t limit, int64_t (*now)(void));
void mc_cache_destroy(struct mc_cache *c);

/* The live item for key, or NULL (expired and flushed ones are freed). */
struct mc_item *mc_cache_find(struct mc_cache *c, const char *key, size_t nkey);
/* Moves it to the newest end of the LRU. */
void mc_cache_touch_lru(struct mc_cache *c, struct mc_item *it);

/*
 * A new item, not yet linked, with room for nbytes of value; evicts the
 * oldest items to stay in the limit. NULL when it cannot fit.
 */
struct mc_item *mc_item_new(struct mc_cache *c, const char *key, size_t nkey,
			    uint32_t flags, int64_t exptime, size_t nbytes);
/* Links it in place of any item with its key; takes ownership. */
void mc_cache_link(struct mc_cache *c, struct mc_item *it);
void mc_cache_unlink(struct mc_cache *c, struct mc_item *it);
/* For an item never linked. */
void mc_item_free(struct mc_cache *c, struct mc_item *it);

/*
 * Gives back at least `wanted` bytes by evicting the oldest (but not the
 * pinned item); returns them. Safe to call from inside malloc when the
 * caller of malloc is this file or mc_proto.c (built with
 * -fno-builtin-malloc: see <carapace/shrinker.h>).
 */
size_t mc_cache_shrink(struct mc_cache *c, size_t wanted);
/* Everything set before now + delay is gone from then on. */
void mc_cache_flush(struct mc_cache *c, int64_t delay);

/* memcached's expiry: 0 never, < 0 already, > 30 days absolute, else relative. */
int64_t mc_exptime(const struct mc_cache *c, int64_t exptime);

static inline char *mc_item_value(struct mc_item *it)
{
	return it->data + it->nkey;
}

#endif
