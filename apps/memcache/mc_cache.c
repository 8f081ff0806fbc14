/*
 * The item store (mc_cache.h). Each item is one malloc'd block; the byte
 * budget counts whole blocks, so what the shrinker is told it got back is
 * what free() received.
 */
#include "mc_cache.h"

#include <stdlib.h>
#include <string.h>

#define REL_TIME_MAX (60 * 60 * 24 * 30) /* memcached's 30 days */

/*
 * A key's hash, eight bytes a step (keys are typically tens of bytes, and
 * a byte-wise hash was the largest part of a lookup), then mixed so that
 * the bucket's low bits depend on every byte (murmur3's finalizer).
 */
static uint32_t hash_key(const char *key, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (w = 0; i < n; i++)
		w = w << 8 | (unsigned char)key[i];
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* memcmp of two keys of n bytes, eight bytes a step, inlined. */
static bool same_key(const char *a, const char *b, size_t n)
{
	uint64_t x, y;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	for (; i < n; i++) {
		if (a[i] != b[i])
			return false;
	}
	return true;
}

static struct mc_item **bucket_of(struct mc_cache *c, uint32_t hash)
{
	return &c->buckets[hash & (c->nbuckets - 1)];
}

static size_t item_size(const struct mc_item *it)
{
	return sizeof(*it) + it->nkey + it->nbytes;
}

int mc_cache_init(struct mc_cache *c, size_t limit, int64_t (*now)(void))
{
	memset(c, 0, sizeof(*c));
	c->nbuckets = 1024;
	c->buckets = calloc(c->nbuckets, sizeof(*c->buckets));
	if (!c->buckets)
		return -1;
	c->limit = limit;
	c->now = now;
	c->flush_before = -1;
	return 0;
}

static void lru_remove(struct mc_cache *c, struct mc_item *it)
{
	if (it->newer)
		it->newer->older = it->older;
	else
		c->newest = it->older;
	if (it->older)
		it->older->newer = it->newer;
	else
		c->oldest = it->newer;
	it->newer = it->older = NULL;
}

static void lru_push(struct mc_cache *c, struct mc_item *it)
{
	it->older = c->newest;
	it->newer = NULL;
	if (c->newest)
		c->newest->newer = it;
	c->newest = it;
	if (!c->oldest)
		c->oldest = it;
}

void mc_cache_touch_lru(struct mc_cache *c, struct mc_item *it)
{
	if (c->newest != it) {
		lru_remove(c, it);
		lru_push(c, it);
	}
}

void mc_item_free(struct mc_cache *c, struct mc_item *it)
{
	(void)c;
	free(it);
}

void mc_cache_unlink(struct mc_cache *c, struct mc_item *it)
{
	struct mc_item **p = bucket_of(c, it->hash);

	while (*p && *p != it)
		p = &(*p)->hnext;
	if (*p)
		*p = it->hnext;
	lru_remove(c, it);
	c->used -= item_size(it);
	c->stats.bytes -= it->nbytes;
	c->stats.curr_items--;
	free(it);
}

void mc_cache_destroy(struct mc_cache *c)
{
	while (c->oldest)
		mc_cache_unlink(c, c->oldest);
	free(c->buckets);
	c->buckets = NULL;
}

int64_t mc_exptime(const struct mc_cache *c, int64_t exptime)
{
	if (exptime == 0)
		return 0;
	if (exptime < 0)
		return 1; /* long past */
	if (exptime > REL_TIME_MAX)
		return exptime;
	return c->now() + exptime;
}

static bool is_dead(const struct mc_cache *c, const struct mc_item *it, int64_t now)
{
	if (it->exptime != 0 && it->exptime <= now)
		return true;
	return c->flush_before >= 0 && now >= c->flush_before && it->set_time < c->flush_before;
}

/* The live item with this key and hash, or NULL (a dead one is freed). */
static struct mc_item *find_hashed(struct mc_cache *c, const char *key, size_t nkey, uint32_t hash)
{
	struct mc_item *it = *bucket_of(c, hash);

	for (; it; it = it->hnext) {
		if (it->hash == hash && it->nkey == nkey && same_key(it->data, key, nkey))
			break;
	}
	if (it && is_dead(c, it, c->now())) {
		mc_cache_unlink(c, it);
		return NULL;
	}
	return it;
}

struct mc_item *mc_cache_find(struct mc_cache *c, const char *key, size_t nkey)
{
	return find_hashed(c, key, nkey, hash_key(key, nkey));
}

size_t mc_cache_shrink(struct mc_cache *c, size_t wanted)
{
	size_t freed = 0;
	struct mc_item *it = c->oldest;

	while (freed < wanted && it) {
		struct mc_item *newer = it->newer;

		if (it != c->pinned) {
			freed += item_size(it);
			mc_cache_unlink(c, it);
			c->stats.evictions++;
		}
		it = newer;
	}
	c->stats.reclaimed += freed;
	return freed;
}

struct mc_item *mc_item_new(struct mc_cache *c, const char *key, size_t nkey,
			    uint32_t flags, int64_t exptime, size_t nbytes)
{
	size_t size = sizeof(struct mc_item) + nkey + nbytes;
	struct mc_item *it;

	if (nkey > MC_KEY_MAX || nbytes > MC_VALUE_MAX)
		return NULL;
	if (c->limit) {
		if (size > c->limit)
			return NULL;
		while (c->used + size > c->limit && c->oldest) {
			mc_cache_unlink(c, c->oldest);
			c->stats.evictions++;
		}
	}
	it = malloc(size);
	/* Out of memory without a limit: the oldest items make room. */
	while (!it && c->oldest) {
		mc_cache_unlink(c, c->oldest);
		c->stats.evictions++;
		it = malloc(size);
	}
	if (!it)
		return NULL;
	memset(it, 0, sizeof(*it));
	it->flags = flags;
	it->exptime = exptime;
	it->nkey = (uint32_t)nkey;
	it->nbytes = (uint32_t)nbytes;
	it->hash = hash_key(key, nkey);
	memcpy(it->data, key, nkey);
	return it;
}

/* Doubles the table when chains grow past 1.5 items on average. */
static void maybe_grow(struct mc_cache *c)
{
	size_t n = c->nbuckets * 2;
	struct mc_item **b;

	/* Past 2^32 buckets the 32-bit hashes would leave the new ones empty. */
	if (c->stats.curr_items * 2 <= c->nbuckets * 3 || n > (size_t)1 << 32)
		return;
	b = calloc(n, sizeof(*b));
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct mc_item *it = c->buckets[i], *next;

		for (; it; it = next) {
			size_t j = it->hash & (n - 1);

			next = it->hnext;
			it->hnext = b[j];
			b[j] = it;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

void mc_cache_link(struct mc_cache *c, struct mc_item *it)
{
	struct mc_item *old = find_hashed(c, it->data, it->nkey, it->hash);
	struct mc_item **b;

	if (old)
		mc_cache_unlink(c, old);
	it->cas = ++c->next_cas;
	it->set_time = c->now();
	b = bucket_of(c, it->hash);
	it->hnext = *b;
	*b = it;
	lru_push(c, it);
	c->used += item_size(it);
	c->stats.bytes += it->nbytes;
	c->stats.curr_items++;
	c->stats.total_items++;
	maybe_grow(c);
}

void mc_cache_flush(struct mc_cache *c, int64_t delay)
{
	c->stats.flushes++;
	if (delay <= 0) {
		while (c->oldest)
			mc_cache_unlink(c, c->oldest);
		c->flush_before = -1;
		return;
	}
	c->flush_before = c->now() + delay;
}
