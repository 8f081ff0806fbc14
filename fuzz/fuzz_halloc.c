/*
 * Fuzzes the hardened allocator (hardening/halloc*.c) with sequences of
 * operations on a fresh heap per input: malloc, calloc, realloc, aligned,
 * free, and three attacks whose detection is certain: one byte written
 * past a small block, then free (heap-overflow); a free repeated at once
 * (double-free); a free one byte into a block (invalid-free). Every
 * attack must be reported exactly once as its kind, nothing else ever
 * reported, and every live block keep its fill byte at both ends. A block
 * whose free was refused (the overflow) stays allocated: the counters must
 * say so. Each input runs twice: on the locked path, then through a cache
 * (hardening/halloc_cache.c), given back before the counters are read.
 *
 * Input: 4 bytes per operation: the operation, a slot, two size bytes.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sys/mman.h>

#include <carapace/halloc.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define RESERVE ((size_t)4 << 30)
#define SLOTS 32

struct slot {
	unsigned char *p;
	size_t size, align;
	unsigned char fill;
};

static int reports;
static size_t kept_blocks, kept_bytes; /* blocks whose free was refused */
static enum halloc_violation last_kind;

static int fz_map(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	return mprotect((void *)addr, len, PROT_READ | PROT_WRITE) ? -12 : 0;
}

static void fz_unmap(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	CHECK(mmap((void *)addr, len, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == (void *)addr);
}

/* Fixed bytes: a run depends on its input only. */
/* Taken away: discarded as by unmap, so they come back zero. */
static int fz_protect(void *ctx, uintptr_t addr, size_t len, bool access)
{
	if (access)
		return fz_map(ctx, addr, len);
	fz_unmap(ctx, addr, len);
	return 0;
}

static void fz_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x5a, len);
}

static void fz_nolock(void *ctx)
{
	(void)ctx;
}

static void fz_report(void *ctx, const struct halloc_report *r)
{
	(void)ctx;
	reports++;
	last_kind = r->kind;
}

static struct halloc_cache cache;

static struct halloc_cache *fz_cache_get(void *ctx, uint64_t *saved)
{
	(void)ctx;
	(void)saved;
	return &cache;
}

static void fz_cache_put(void *ctx, uint64_t saved)
{
	(void)ctx;
	(void)saved;
}

static const struct halloc_backend backend = {
	.map = fz_map, .unmap = fz_unmap, .protect = fz_protect,
	.random = fz_random, .layout_random = fz_random,
	.lock = fz_nolock, .unlock = fz_nolock, .report = fz_report,
};
static const struct halloc_backend cached_backend = {
	.map = fz_map, .unmap = fz_unmap, .protect = fz_protect,
	.random = fz_random, .layout_random = fz_random,
	.lock = fz_nolock, .unlock = fz_nolock, .report = fz_report,
	.cache_get = fz_cache_get, .cache_put = fz_cache_put,
};

/* Up to 16 KiB byte by byte, or up to 512 KiB in 16-byte steps. */
static size_t size_of(uint8_t lo, uint8_t hi)
{
	size_t v = (size_t)lo | (size_t)(hi & 0x7f) << 8;

	return (hi & 0x80) ? v * 16 : v & 0x3fff;
}

static void expect(enum halloc_violation kind)
{
	CHECK(reports == 1 && last_kind == kind);
	reports = 0;
}

static void check(const struct slot *s)
{
	if (s->p && s->size)
		CHECK(s->p[0] == s->fill && s->p[s->size - 1] == s->fill);
}

static void refill(struct slot *s, size_t size, size_t align, unsigned char fill)
{
	s->size = size;
	s->align = align;
	s->fill = fill;
	memset(s->p, fill, size);
}

static void run(struct halloc *h, struct slot *slots, const uint8_t *op)
{
	struct slot *s = &slots[op[1] % SLOTS];
	size_t size = size_of(op[2], op[3]), align = (size_t)1 << (op[1] % 16);

	check(s);
	switch (op[0] % 8) {
	case 0: case 1: case 2:
		halloc_free(h, s->p);
		s->p = op[0] % 8 == 0 ? halloc_malloc(h, size)
		     : op[0] % 8 == 1 ? halloc_calloc(h, 1, size)
				      : halloc_aligned(h, align, size);
		CHECK(s->p);
		refill(s, size, op[0] % 8 == 2 ? align : 16, op[2]);
		break;
	case 3:
		s->p = halloc_realloc(h, s->p, size);
		CHECK(s->p);
		refill(s, size, 16, op[3]);
		break;
	case 4:
		halloc_free(h, s->p);
		s->p = NULL;
		break;
	case 5: /* one byte past a small block (a slab serves alignments up to a page) */
		if (!s->p || s->size > HALLOC_MAX_SMALL || s->align > HALLOC_PAGE)
			break;
		s->p[s->size] ^= 0xff;
		halloc_free(h, s->p);
		s->p = NULL;
		expect(HALLOC_HEAP_OVERFLOW);
		kept_blocks++;
		kept_bytes += s->size;
		break;
	case 6:
		if (!s->p)
			break;
		halloc_free(h, s->p);
		halloc_free(h, s->p);
		s->p = NULL;
		expect(HALLOC_DOUBLE_FREE);
		break;
	case 7:
		if (!s->p || s->size < 2)
			break;
		halloc_free(h, s->p + 1);
		expect(HALLOC_INVALID_FREE);
		break;
	}
	CHECK(reports == 0);
}

static void run_input(const struct halloc_backend *be, const uint8_t *data, size_t size)
{
	static struct halloc h;
	struct slot slots[SLOTS] = { 0 };
	void *area = mmap(NULL, RESERVE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	CHECK(area != MAP_FAILED);
	memset(&cache, 0, sizeof(cache));
	CHECK(halloc_init(&h, be, (uintptr_t)area, RESERVE) == 0);
	reports = 0;
	kept_blocks = kept_bytes = 0;
	for (size_t i = 0; i + 4 <= size && i < 4 * 2000; i += 4)
		run(&h, slots, data + i);
	for (int i = 0; i < SLOTS; i++) {
		check(&slots[i]);
		halloc_free(&h, slots[i].p);
	}
	halloc_cache_flush(&h, &cache); /* nothing when the cache was not used */
	CHECK(reports == 0 && h.stats.blocks == kept_blocks && h.stats.requested == kept_bytes);
	munmap(area, RESERVE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_input(&backend, data, size);
	run_input(&cached_backend, data, size);
	return 0;
}
