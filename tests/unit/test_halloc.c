/*
 * Tests for hardening/halloc.c and halloc_layout.c on host memory: a
 * PROT_NONE reservation whose pages the backend maps with mprotect and
 * discards with a fresh PROT_NONE mapping (so a later map reads zeroes, as
 * in the kernel). The reporter records and returns, so every detection
 * can be checked: each attack must be reported once, as its kind, at the
 * right address. A randomised stress test checks the allocator against a
 * reference model (contents, sizes, alignment, counters), and a threaded
 * one its lock.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>

#include <carapace/halloc.h>

#define RESERVE   ((size_t)64 << 30) /* 64 zones of 1 GiB */
#define MODEL_SLOTS 1024
#define STRESS_OPS  200000

struct host {
	pthread_mutex_t lock;
	struct halloc_report last;
	int reports;
	size_t mapped; /* bytes mapped now */
	unsigned long maps; /* map calls so far */
	unsigned long locks; /* lock calls so far */
};

static struct host host = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct halloc heap;
static void *reservation;

static int host_map(void *ctx, uintptr_t addr, size_t len)
{
	struct host *h = ctx;

	if (mprotect((void *)addr, len, PROT_READ | PROT_WRITE))
		return -12;
	h->mapped += len;
	h->maps++;
	return 0;
}

static void host_unmap(void *ctx, uintptr_t addr, size_t len)
{
	struct host *h = ctx;
	void *p = mmap((void *)addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);

	assert_true(p == (void *)addr);
	h->mapped -= len;
}

/* Taken away: discarded (a fresh PROT_NONE mapping), so they come back zero. */
static int host_protect(void *ctx, uintptr_t addr, size_t len, bool access)
{
	(void)ctx;
	if (access)
		return mprotect((void *)addr, len, PROT_READ | PROT_WRITE) ? -12 : 0;
	return mmap((void *)addr, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED
		       ? -12 : 0;
}

static void host_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	assert_int_equal(getrandom(buf, len, 0), (ssize_t)len);
}

/* Layout bytes that repeat, as aslr=off or aslr.seed=N gives them. */
static void fixed_layout_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	memset(buf, 0x33, len);
}

static void host_lock(void *ctx)
{
	pthread_mutex_lock(&((struct host *)ctx)->lock);
	((struct host *)ctx)->locks++;
}

static void host_unlock(void *ctx)
{
	pthread_mutex_unlock(&((struct host *)ctx)->lock);
}

static void host_report(void *ctx, const struct halloc_report *r)
{
	struct host *h = ctx;

	h->last = *r;
	h->reports++;
}

static const struct halloc_backend backend = {
	.map = host_map, .unmap = host_unmap, .protect = host_protect,
	.random = host_random,
	.layout_random = host_random, .lock = host_lock, .unlock = host_unlock, .report = host_report, .ctx = &host,
};

/*
 * The same heap with caches (hardening/halloc_cache.c): each thread's own,
 * as the host's benchmark has them (the kernel's are per CPU), given back
 * when the thread ends.
 */
static __thread struct halloc_cache thread_cache;
static pthread_key_t cache_key;

static void host_cache_flush(void *c)
{
	halloc_cache_flush(&heap, c);
}

static struct halloc_cache *host_cache_get(void *ctx, uint64_t *saved)
{
	(void)ctx;
	(void)saved;
	if (!thread_cache.heap)
		pthread_setspecific(cache_key, &thread_cache);
	return &thread_cache;
}

static void host_cache_put(void *ctx, uint64_t saved)
{
	(void)ctx;
	(void)saved;
}

static const struct halloc_backend cached_backend = {
	.map = host_map, .unmap = host_unmap, .protect = host_protect,
	.random = host_random,
	.layout_random = host_random, .lock = host_lock, .unlock = host_unlock, .report = host_report,
	.cache_get = host_cache_get, .cache_put = host_cache_put, .ctx = &host,
};

/* Gives this thread's cache back, so that the heap's counts are exact. */
static void settle(void)
{
	halloc_cache_flush(&heap, &thread_cache);
}

static const struct halloc_backend *current_backend;

/* A fresh heap on a fresh reservation, this thread's cache empty. */
static int start(const struct halloc_backend *be)
{
	reservation = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			   -1, 0);
	assert_true(reservation != MAP_FAILED);
	host.reports = 0;
	host.mapped = 0;
	memset(&thread_cache, 0, sizeof(thread_cache));
	current_backend = be;
	assert_int_equal(halloc_init(&heap, be, (uintptr_t)reservation, RESERVE), 0);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return start(&backend);
}

static int setup_cached(void **state)
{
	(void)state;
	return start(&cached_backend);
}

static int teardown(void **state)
{
	(void)state;
	settle();
	memset(&thread_cache, 0, sizeof(thread_cache));
	munmap(reservation, RESERVE);
	return 0;
}

/* Asserts that exactly one violation of kind was reported since the last check. */
static void expect_report(enum halloc_violation kind, uintptr_t addr)
{
	assert_int_equal(host.reports, 1);
	assert_string_equal(halloc_violation_name(host.last.kind), halloc_violation_name(kind));
	assert_true(host.last.addr == addr);
	host.reports = 0;
}

static void test_sizes_and_alignment(void **state)
{
	static const size_t sizes[] = { 0, 1, 8, 15, 16, 17, 100, 1000, 4088, 4089, 16376,
					16377, 40000, 1 << 20, 3 << 20 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = halloc_malloc(&heap, sizes[i]);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		assert_int_equal(halloc_usable_size(&heap, p[i]), sizes[i]);
		memset(p[i], 0xab, sizes[i]);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		halloc_free(&heap, p[i]);
	settle();
	assert_int_equal(host.reports, 0);
	assert_int_equal(heap.stats.blocks, 0);
	assert_int_equal(heap.stats.requested, 0);
	halloc_free(&heap, NULL);
	assert_int_equal(halloc_usable_size(&heap, NULL), 0);
}

static void test_calloc_and_aligned(void **state)
{
	unsigned char *c;

	(void)state;
	assert_null(halloc_calloc(&heap, SIZE_MAX / 2, 3));
	for (int round = 0; round < 600; round++) { /* through the quarantine */
		c = halloc_calloc(&heap, 10, 10);
		for (int i = 0; i < 100; i++)
			assert_int_equal(c[i], 0);
		memset(c, 0xff, 100);
		halloc_free(&heap, c);
	}
	for (size_t align = 1; align <= ((size_t)1 << 20); align <<= 1) {
		void *a = halloc_aligned(&heap, align, 100);
		void *b = halloc_aligned(&heap, align, 50000);

		assert_non_null(a);
		assert_non_null(b);
		assert_int_equal((uintptr_t)a % align, 0);
		assert_int_equal((uintptr_t)b % align, 0);
		halloc_free(&heap, a);
		halloc_free(&heap, b);
	}
	assert_null(halloc_aligned(&heap, 48, 10));
	assert_null(halloc_malloc(&heap, RESERVE));
	assert_int_equal(host.reports, 0);
}

static void test_small_overflow(void **state)
{
	char *p = halloc_malloc(&heap, 24), *q;

	(void)state;
	p[24] = 0; /* even a NUL one byte past: the canary's first byte is never 0 */
	halloc_free(&heap, p);
	expect_report(HALLOC_HEAP_OVERFLOW, (uintptr_t)p + 24);
	q = halloc_malloc(&heap, 100);
	q[100 + 7] ^= 1;
	assert_null(halloc_realloc(&heap, q, 10));
	expect_report(HALLOC_HEAP_OVERFLOW, (uintptr_t)q + 100);
}

static void test_double_free(void **state)
{
	void *s = halloc_malloc(&heap, 40), *l = halloc_malloc(&heap, 200000);

	(void)state;
	halloc_free(&heap, s);
	halloc_free(&heap, s);
	expect_report(HALLOC_DOUBLE_FREE, (uintptr_t)s);
	halloc_free(&heap, l);
	halloc_free(&heap, l);
	expect_report(HALLOC_DOUBLE_FREE, (uintptr_t)l);
	assert_null(halloc_realloc(&heap, s, 10));
	expect_report(HALLOC_DOUBLE_FREE, (uintptr_t)s);
}

static int a_global;

static void test_invalid_free(void **state)
{
	char *s = halloc_malloc(&heap, 64), *l = halloc_malloc(&heap, 100000);
	int on_stack;
	void *bad[] = { s + 16, s + 1, l + 4096, l - 16, &on_stack, &a_global,
			(char *)reservation + 4096 /* metadata */, (void *)16 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		halloc_free(&heap, bad[i]);
		expect_report(HALLOC_INVALID_FREE, (uintptr_t)bad[i]);
	}
	assert_int_equal(halloc_usable_size(&heap, s + 16), 0);
	expect_report(HALLOC_INVALID_FREE, (uintptr_t)s + 16);
	halloc_free(&heap, s);
	halloc_free(&heap, l);
	assert_int_equal(host.reports, 0);
}

static void test_write_after_free(void **state)
{
	char *p = halloc_malloc(&heap, 32);

	(void)state;
	halloc_free(&heap, p);
	for (unsigned i = 0; i < 32 + HALLOC_CANARY; i++)
		assert_int_equal(p[i], 0); /* zeroed: no pointer for an overflow to forge */
	p[5] = 'x';
	for (int i = 0; i < 5000 && host.reports == 0; i++)
		halloc_free(&heap, halloc_malloc(&heap, 32));
	expect_report(HALLOC_USE_AFTER_FREE, (uintptr_t)p + 5);
}

/*
 * halloc_malloc_cached and halloc_free_cached, with a cache the caller
 * owns (the app-heap's per-thread cache, read by libc/malloc.c): the same
 * checks as through a backend's cache or the lock.
 */
static void test_given_cache(void **state)
{
	struct halloc_cache own = { 0 };
	char *p = halloc_malloc_cached(&heap, &own, 40), *q, *l;

	(void)state;
	assert_non_null(p);
	assert_true(own.heap == &heap);
	memset(p, 0x5a, 40);
	halloc_free_cached(&heap, &own, p);
	for (unsigned i = 0; i < 40 + HALLOC_CANARY; i++)
		assert_int_equal(p[i], 0);
	halloc_free_cached(&heap, &own, p);
	expect_report(HALLOC_DOUBLE_FREE, (uintptr_t)p);
	q = halloc_malloc_cached(&heap, &own, 24);
	q[24] = 0;
	halloc_free_cached(&heap, &own, q);
	expect_report(HALLOC_HEAP_OVERFLOW, (uintptr_t)q + 24);
	halloc_free_cached(&heap, &own, q + 8);
	expect_report(HALLOC_INVALID_FREE, (uintptr_t)q + 8);
	l = halloc_malloc_cached(&heap, &own, 100000); /* a large block: the locked path */
	assert_non_null(l);
	halloc_free_cached(&heap, &own, l);
	halloc_free_cached(&heap, &own, NULL);
	assert_int_equal(host.reports, 0);
	p[5] = 'x';
	for (int i = 0; i < 5000 && host.reports == 0; i++)
		halloc_free_cached(&heap, &own, halloc_malloc_cached(&heap, &own, 40));
	expect_report(HALLOC_USE_AFTER_FREE, (uintptr_t)p + 5);
	halloc_cache_flush(&heap, &own);
}

/* A freed block is not handed out again until many frees later. */
static void test_quarantine_and_random_slots(void **state)
{
	void *first = halloc_malloc(&heap, 48), *p[64];
	int ascending = 0;

	(void)state;
	halloc_free(&heap, first);
	for (int i = 0; i < HALLOC_QUARANTINE - 1; i++) { /* as many frees as it holds */
		void *q = halloc_malloc(&heap, 48);

		assert_true(q != first);
		halloc_free(&heap, q);
	}
	for (int i = 0; i < 64; i++)
		p[i] = halloc_malloc(&heap, 48);
	for (int i = 1; i < 64; i++)
		ascending += (uintptr_t)p[i] == (uintptr_t)p[i - 1] + 48;
	assert_true(ascending < 32); /* not handed out in address order */
	for (int i = 0; i < 64; i++)
		halloc_free(&heap, p[i]);
	assert_int_equal(host.reports, 0);
}

/*
 * For the layout tests: a second heap's state and reservation, and a
 * backend whose layout bytes repeat (fixed_layout_random).
 */
static struct halloc *twin_heap(struct halloc_backend *fixed, void **area)
{
	struct halloc *twin = malloc(sizeof(*twin));

	assert_non_null(twin);
	*area = mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(*area != MAP_FAILED);
	*fixed = *current_backend;
	fixed->layout_random = fixed_layout_random;
	return twin;
}

/*
 * The layout follows the layout stream alone: two heaps given the same
 * layout bytes place every block at the same offset (small slots, large
 * cells, blocks after frees), while their canary secrets stay random.
 */
static void test_layout_repeats_with_the_layout_stream(void **state)
{
	static const size_t sizes[] = { 16, 100, 1000, 4000, 16000, 40000, 200000, 1 << 20 };
	struct halloc_backend fixed;
	void *area;
	struct halloc *twin = twin_heap(&fixed, &area);
	uintptr_t offsets[2][3 * 8 * 4];

	(void)state;
	for (int run = 0; run < 2; run++) {
		struct halloc *h = run ? twin : &heap;
		uintptr_t base = run ? (uintptr_t)area : (uintptr_t)reservation;
		int n = 0;

		if (run) { /* the cache starts empty again, for the twin */
			settle();
			memset(&thread_cache, 0, sizeof(thread_cache));
		}
		assert_int_equal(halloc_init(h, &fixed, base, RESERVE), 0);
		for (int round = 0; round < 3; round++) {
			void *p[8][4];

			for (int i = 0; i < 8; i++)
				for (int j = 0; j < 4; j++) {
					p[i][j] = halloc_malloc(h, sizes[i]);
					assert_non_null(p[i][j]);
					offsets[run][n++] = (uintptr_t)p[i][j] - base;
				}
			for (int i = 0; i < 8; i++)
				for (int j = 0; j < 4; j += 1 + round)
					halloc_free(h, p[i][j]);
		}
	}
	assert_memory_equal(offsets[0], offsets[1], sizeof(offsets[0]));
	assert_true(heap.canary_secret != twin->canary_secret);
	assert_int_equal(host.reports, 0);
	munmap(area, RESERVE);
	free(twin);
}

/*
 * Through a cache, the slot that leaves its quarantine (and is handed out
 * next) follows the layout stream too: two heaps given the same layout
 * bytes hand out the same offsets over a run of frees and mallocs long
 * enough to fill the cache's quarantine many times.
 */
static void test_cache_layout_repeats(void **state)
{
	struct halloc_backend fixed;
	void *area;
	struct halloc *twin = twin_heap(&fixed, &area);
	static uintptr_t offsets[2][2000];

	(void)state;
	for (int run = 0; run < 2; run++) {
		struct halloc *h = run ? twin : &heap;
		uintptr_t base = run ? (uintptr_t)area : (uintptr_t)reservation;
		uint64_t x = 99;
		void *live[16];

		settle(); /* the cache starts empty, for each heap */
		memset(&thread_cache, 0, sizeof(thread_cache));
		assert_int_equal(halloc_init(h, &fixed, base, RESERVE), 0);
		for (int k = 0; k < 16; k++)
			assert_non_null(live[k] = halloc_malloc(h, 48 + 16 * (k % 3)));
		for (int i = 0; i < 2000; i++) {
			int k = (int)((x = x * 6364136223846793005ull + 1) >> 60);

			halloc_free(h, live[k]);
			assert_non_null(live[k] = halloc_malloc(h, 48 + 16 * (k % 3)));
			offsets[run][i] = (uintptr_t)live[k] - base;
		}
		for (int k = 0; k < 16; k++)
			halloc_free(h, live[k]);
		if (run)
			halloc_cache_flush(twin, &thread_cache);
	}
	assert_memory_equal(offsets[0], offsets[1], sizeof(offsets[0]));
	assert_true(thread_cache.rng_uses > 0); /* slots did leave the cache's quarantine */
	memset(&thread_cache, 0, sizeof(thread_cache));
	assert_int_equal(host.reports, 0);
	munmap(area, RESERVE);
	free(twin);
}

static void test_fault_explanations(void **state)
{
	char *l = halloc_malloc(&heap, 100000), *s = halloc_malloc(&heap, 64);
	uintptr_t end = (uintptr_t)l + 100000;

	(void)state;
	assert_int_equal(halloc_explain_fault(&heap, end), HALLOC_FAULT_GUARD);
	assert_int_equal(halloc_explain_fault(&heap, (uintptr_t)s + 60 * 1024), HALLOC_FAULT_GUARD);
	assert_int_equal(halloc_explain_fault(&heap, (uintptr_t)&a_global), HALLOC_FAULT_NONE);
	assert_int_equal(halloc_explain_fault(&heap, (uintptr_t)reservation + 8), HALLOC_FAULT_NONE);
	halloc_free(&heap, l);
	assert_int_equal(halloc_explain_fault(&heap, (uintptr_t)l), HALLOC_FAULT_FREED);
	halloc_free(&heap, s);
}

/*
 * A freed large block is taken away at once (its pages inaccessible: a
 * read faults) but stays mapped, zeroed, in the cache: once its cell is
 * reused, it comes back without a new mapping, all zero.
 */
static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#define BIG 300000 /* past HALLOC_MEDIUM_MAX: 74 pages */

static void test_large_cache(void **state)
{
	char *p = halloc_malloc(&heap, BIG);
	unsigned long maps;
	size_t cached;
	int fds[2];

	(void)state;
	memset(p, 0x5a, BIG);
	halloc_free(&heap, p);
	assert_int_equal(heap.stats.cached, 74 * 4096);
	assert_int_equal(halloc_explain_fault(&heap, (uintptr_t)p), HALLOC_FAULT_FREED);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], p + 100, 1), -1); /* the kernel cannot read it either */
	assert_int_equal(errno, EFAULT);
	close(fds[0]);
	close(fds[1]);
	for (int i = 0; i < 2 * HALLOC_LARGE_QUARANTINE; i++) { /* every cell through the quarantine */
		char *q = halloc_malloc(&heap, BIG);

		memset(q, 0x5a, BIG);
		halloc_free(&heap, q);
	}
	maps = host.maps;
	for (int i = 0; i < 100; i++) {
		char *q = halloc_malloc(&heap, BIG);

		assert_true(all_zero(q, BIG));
		memset(q, 0x5a, BIG);
		halloc_free(&heap, q);
	}
	assert_int_equal(host.maps, maps); /* every block from the cache */
	cached = heap.stats.cached;
	assert_true(cached >= 74 * 4096 * (size_t)HALLOC_LARGE_QUARANTINE); /* the quarantine at least */
	assert_int_equal(halloc_shrink(&heap, SIZE_MAX), cached);
	assert_int_equal(heap.stats.cached, 0);
	assert_int_equal(host.mapped, heap.stats.data_mapped + heap.stats.meta_mapped);
	assert_int_equal(host.reports, 0);
}

/*
 * A freed medium block (up to HALLOC_MEDIUM_MAX) is zeroed and stays
 * mapped: its cell is reused with no page-table change, and a write after
 * free is caught when the cell is handed out again.
 */
static void test_medium_blocks(void **state)
{
	char *p = halloc_malloc(&heap, 100000);
	unsigned long maps;

	(void)state;
	memset(p, 0x5a, 100000);
	halloc_free(&heap, p);
	assert_int_equal(heap.stats.cached, 25 * 4096);
	assert_true(all_zero(p, 100000)); /* readable, zero: nothing left to leak */
	for (int i = 0; i < 2 * HALLOC_LARGE_QUARANTINE; i++) {
		char *q = halloc_malloc(&heap, 100000);

		memset(q, 0x5a, 100000);
		halloc_free(&heap, q);
	}
	maps = host.maps;
	for (int i = 0; i < 100; i++) {
		char *q = halloc_malloc(&heap, 100000);

		assert_true(all_zero(q, 100000));
		memset(q, 0x5a, 100000);
		halloc_free(&heap, q);
	}
	assert_int_equal(host.maps, maps); /* no page-table change */
	assert_int_equal(host.reports, 0);
	p = halloc_malloc(&heap, 100000);
	halloc_free(&heap, p);
	p[4000] = 'x'; /* a write after free */
	for (int i = 0; i < 2 * HALLOC_LARGE_QUARANTINE && host.reports == 0; i++)
		halloc_free(&heap, halloc_malloc(&heap, 100000));
	expect_report(HALLOC_USE_AFTER_FREE, (uintptr_t)p + 4000);
}

/*
 * A backend that tells which pages were written, as the kernel's app-heap
 * does with the page tables' dirty bits: here the test marks what it
 * writes (write_pages), and the heap clears the marks of the pages it
 * zeroed (pages_clean).
 */
static uint8_t page_written[RESERVE / HALLOC_PAGE / 8];

static size_t page_index(uintptr_t addr)
{
	return (addr - (uintptr_t)reservation) / HALLOC_PAGE;
}

static uint64_t marked_pages_written(void *ctx, uintptr_t addr, unsigned npages)
{
	uint64_t mask = 0;

	(void)ctx;
	for (unsigned i = 0; i < npages; i++) {
		size_t k = page_index(addr) + i;

		if (page_written[k / 8] & (1u << (k % 8)))
			mask |= 1ull << i;
	}
	return mask;
}

static void marked_pages_clean(void *ctx, uintptr_t addr, unsigned npages, uint64_t mask)
{
	(void)ctx;
	for (unsigned i = 0; i < npages; i++) {
		size_t k = page_index(addr) + i;

		if (mask >> i & 1)
			page_written[k / 8] &= (uint8_t)~(1u << (k % 8));
	}
}

/* Fills [p, p + len) with v and marks its pages written. */
static void write_pages(char *p, size_t len, char v)
{
	memset(p, v, len);
	for (size_t k = page_index((uintptr_t)p); k <= page_index((uintptr_t)p + len - 1); k++)
		page_written[k / 8] |= (uint8_t)(1u << (k % 8));
}

static const struct halloc_backend marking_backend = {
	.map = host_map, .unmap = host_unmap, .protect = host_protect,
	.pages_written = marked_pages_written, .pages_clean = marked_pages_clean,
	.random = host_random,
	.layout_random = host_random, .lock = host_lock, .unlock = host_unlock, .report = host_report, .ctx = &host,
};

static int setup_marking(void **state)
{
	(void)state;
	memset(page_written, 0, sizeof(page_written));
	return start(&marking_backend);
}

/*
 * The same, as with several CPUs: a cleaned page may still be written
 * through another CPU's stale entry, unmarked, until pages_sync.
 */
static unsigned syncs;

static bool counted_pages_sync(void *ctx)
{
	(void)ctx;
	syncs++;
	return true;
}

static const struct halloc_backend marking_sync_backend = {
	.map = host_map, .unmap = host_unmap, .protect = host_protect,
	.pages_written = marked_pages_written, .pages_clean = marked_pages_clean,
	.pages_sync = counted_pages_sync,
	.random = host_random,
	.layout_random = host_random, .lock = host_lock, .unlock = host_unlock, .report = host_report, .ctx = &host,
};

static int setup_marking_sync(void **state)
{
	(void)state;
	memset(page_written, 0, sizeof(page_written));
	syncs = 0;
	return start(&marking_sync_backend);
}

/*
 * A write into a cleaned page of a freed medium block that sets no mark
 * (another CPU's stale entry) is caught when the batch is synced and its
 * pages checked again: within HALLOC_CLEAN_BATCH large frees, one sync
 * for them all.
 */
static void test_medium_sync_rechecks(void **state)
{
	char *p = halloc_malloc(&heap, 100000);
	uintptr_t cell = (uintptr_t)p & ~(uintptr_t)(HALLOC_PAGE - 1);
	int frees = 0;

	(void)state;
	write_pages((char *)cell + 7 * HALLOC_PAGE, 100, 0x5a);
	halloc_free(&heap, p);
	((char *)cell)[7 * HALLOC_PAGE + 5] = 'x'; /* unmarked: before the sync */
	while (host.reports == 0 && frees < HALLOC_CLEAN_BATCH) {
		char *q = halloc_malloc(&heap, 100000);

		write_pages(q, 10, 0x5a);
		halloc_free(&heap, q);
		frees++;
	}
	expect_report(HALLOC_USE_AFTER_FREE, cell + 7 * HALLOC_PAGE + 5);
	assert_int_equal(syncs, 1);
	assert_true(frees < HALLOC_CLEAN_BATCH);
	/* Synced in batches from then on, the cells reused all zero. */
	for (int i = 0; i < 4 * HALLOC_LARGE_QUARANTINE; i++) {
		char *q = halloc_malloc(&heap, 100000);

		assert_true(all_zero(q, 100000));
		write_pages(q + (i % 20) * HALLOC_PAGE, 3000, 0x5a);
		halloc_free(&heap, q);
	}
	assert_true(syncs >= 4 * HALLOC_LARGE_QUARANTINE / HALLOC_CLEAN_BATCH);
	assert_true(syncs <= 4 * HALLOC_LARGE_QUARANTINE / HALLOC_CLEAN_BATCH + 2);
	assert_int_equal(host.reports, 0);
}

/*
 * With a backend that tells which pages were written, a freed medium
 * block is zeroed in those pages only (and they are marked clean), and a
 * reused cell is checked in the pages written since its free: a write
 * after free is still caught there, at its address.
 */
static void test_medium_written_pages(void **state)
{
	char *p = halloc_malloc(&heap, 100000); /* 25 pages: 24 whole, the block at the end */
	uintptr_t cell = (uintptr_t)p & ~(uintptr_t)(HALLOC_PAGE - 1);
	char *q;

	(void)state;
	write_pages((char *)cell + 3 * HALLOC_PAGE, 10, 0x5a);
	write_pages((char *)cell + 20 * HALLOC_PAGE, HALLOC_PAGE, 0x5a);
	((char *)cell)[11 * HALLOC_PAGE] = 0x77; /* unmarked: the backend says not written */
	halloc_free(&heap, p);
	assert_true(all_zero((char *)cell + 3 * HALLOC_PAGE, HALLOC_PAGE));
	assert_true(all_zero((char *)cell + 20 * HALLOC_PAGE, HALLOC_PAGE));
	assert_int_equal(((char *)cell)[11 * HALLOC_PAGE], 0x77); /* only written pages are zeroed */
	((char *)cell)[11 * HALLOC_PAGE] = 0;
	assert_int_equal(marked_pages_written(NULL, cell, 25), 0); /* marked clean */
	/* Written after free, in a page the block never wrote: caught when the cell is reused. */
	write_pages((char *)cell + 15 * HALLOC_PAGE + 100, 1, 'x');
	for (int i = 0; i < 2 * HALLOC_LARGE_QUARANTINE && host.reports == 0; i++) {
		q = halloc_malloc(&heap, 100000);
		write_pages(q, 100000, 0x5a);
		halloc_free(&heap, q);
	}
	expect_report(HALLOC_USE_AFTER_FREE, cell + 15 * HALLOC_PAGE + 100);
	/* Every block handed out since is all zero. */
	for (int i = 0; i < 2 * HALLOC_LARGE_QUARANTINE; i++) {
		q = halloc_malloc(&heap, 100000);
		assert_true(all_zero(q, 100000));
		write_pages(q + (i % 25) * HALLOC_PAGE / 2, 5000, 0x5a);
		halloc_free(&heap, q);
	}
	assert_int_equal(host.reports, 0);
}

/* A reference model: every slot's block, its size and the byte it was filled with. */
struct model_slot {
	unsigned char *p;
	size_t size, align;
	unsigned char fill;
};

static uint64_t rng_state = 0x12345678;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t random_size(void)
{
	switch (next_random() % 8) {
	case 0:
		return next_random() % 400000;
	case 1:
	case 2:
		return next_random() % 20000;
	default:
		return next_random() % 600;
	}
}

static bool all_bytes(const unsigned char *p, size_t n, unsigned char v)
{
	return n == 0 || (p[0] == v && memcmp(p, p + 1, n - 1) == 0);
}

static void check_slot(const struct model_slot *m)
{
	if (!m->p)
		return;
	assert_int_equal(halloc_usable_size(&heap, m->p), m->size);
	assert_int_equal((uintptr_t)m->p % m->align, 0);
	assert_true(all_bytes(m->p, m->size, m->fill));
}

static void test_stress_against_model(void **state)
{
	static struct model_slot slot[MODEL_SLOTS];
	size_t live = 0, requested = 0;

	(void)state;
	for (int op = 0; op < STRESS_OPS; op++) {
		struct model_slot *m = &slot[next_random() % MODEL_SLOTS];
		size_t size = random_size(), keep;
		unsigned kind = next_random() % 4;

		check_slot(m);
		if (m->p && kind < 2) {
			halloc_free(&heap, m->p);
			live--;
			requested -= m->size;
			m->p = NULL;
			continue;
		}
		if (m->p && kind == 2) {
			m->p = halloc_realloc(&heap, m->p, size);
			assert_non_null(m->p);
			keep = m->size < size ? m->size : size;
			requested += size - m->size;
			assert_true(all_bytes(m->p, keep, m->fill));
			m->align = 16;
		} else {
			if (m->p) {
				halloc_free(&heap, m->p);
				live--;
				requested -= m->size;
			}
			m->align = kind == 3 ? (size_t)1 << (next_random() % 14) : 16;
			m->p = kind == 3 ? halloc_aligned(&heap, m->align, size)
					 : halloc_calloc(&heap, 1, size);
			assert_non_null(m->p);
			assert_true(all_bytes(m->p, size, 0));
			live++;
			requested += size;
			if (m->align < 16)
				m->align = 16;
		}
		m->size = size;
		m->fill = (unsigned char)next_random();
		memset(m->p, m->fill, size);
		/* With a cache, its share is not yet in the heap's counts. */
		assert_int_equal(heap.stats.blocks + (size_t)thread_cache.blocks, live);
		assert_int_equal(heap.stats.requested + (size_t)thread_cache.requested, requested);
	}
	for (int i = 0; i < MODEL_SLOTS; i++) {
		check_slot(&slot[i]);
		halloc_free(&heap, slot[i].p);
		slot[i].p = NULL;
	}
	settle();
	assert_int_equal(host.reports, 0);
	assert_int_equal(heap.stats.blocks, 0);
	assert_int_equal(heap.stats.requested, 0);
	assert_int_equal(host.mapped, heap.stats.data_mapped + heap.stats.meta_mapped);
	/* What stays mapped: at most a few slabs per class and the cache, not the peak. */
	assert_true(heap.stats.cached <= HALLOC_LARGE_CACHE);
	assert_true(heap.stats.data_mapped - heap.stats.cached < ((size_t)32 << 20));
}

static void *thread_churn(void *arg)
{
	uint64_t x = (uintptr_t)arg * 2654435761u + 1;
	unsigned char *mine[32] = { 0 };

	for (int i = 0; i < 20000; i++) {
		int k = (int)(x % 32);
		size_t n = (x >> 8) % 3000;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		if (mine[k]) {
			assert_int_equal(mine[k][0], (unsigned char)k);
			halloc_free(&heap, mine[k]);
		}
		mine[k] = halloc_malloc(&heap, n + 1);
		mine[k][0] = (unsigned char)k;
	}
	for (int k = 0; k < 32; k++)
		halloc_free(&heap, mine[k]);
	return NULL;
}

/*
 * A slot a cache holds is the cache's: freed, it is already free; written
 * to, the write is caught when it is handed out. A block freed by another
 * thread than its own leaves as any other, and the counts add up once the
 * caches are given back.
 */
static void *free_all(void *arg)
{
	void **blocks = arg;

	for (int i = 0; i < 100; i++)
		halloc_free(&heap, blocks[i]);
	return NULL;
}

static void test_cache_slots_stay_owned(void **state)
{
	int area = heap.class_of[(32 + HALLOC_CANARY + 15) / 16];
	struct halloc_area *a = &heap.areas[area];
	void *first = halloc_malloc(&heap, 32), *blocks[100];
	uint64_t key;
	char *next;
	pthread_t t;

	(void)state;
	assert_non_null(first);
	assert_true(thread_cache.mag[area].n > 0);
	key = thread_cache.mag[area].key[thread_cache.mag[area].n - 1];
	next = (char *)(a->base + (uint32_t)key * a->cell_bytes +
			((key >> 32) & 0xffff) * a->slot_bytes);
	halloc_free(&heap, next);
	expect_report(HALLOC_DOUBLE_FREE, (uintptr_t)next);
	next[9] = 1;
	assert_null(halloc_malloc(&heap, 32));
	expect_report(HALLOC_USE_AFTER_FREE, (uintptr_t)next + 9);
	assert_true(halloc_malloc(&heap, 32) == next); /* zeroed, handed out now */
	halloc_free(&heap, next);
	halloc_free(&heap, first);
	for (int i = 0; i < 100; i++)
		assert_non_null(blocks[i] = halloc_malloc(&heap, 16 + i * 40));
	assert_int_equal(pthread_create(&t, NULL, free_all, blocks), 0);
	pthread_join(t, NULL);
	settle();
	assert_int_equal(host.reports, 0);
	assert_int_equal(heap.stats.blocks, 0);
	assert_int_equal(heap.stats.requested, 0);
}

/*
 * Through a cache, a program that frees as much as it allocates takes no
 * lock: a slot out of the cache's quarantine goes to its magazine. The
 * slots still quarantined when the cache is given back stay quarantined,
 * in the heap's quarantine.
 */
static void churn_window(void **live, int window, size_t size, int steps, uint64_t *x)
{
	for (int i = 0; i < steps; i++) {
		int k = (int)((*x = *x * 6364136223846793005ull + 1442695040888963407ull) >> 33) %
			window;

		halloc_free(&heap, live[k]);
		assert_non_null(live[k] = halloc_malloc(&heap, size));
		memset(live[k], 0x77, size);
	}
}

static void test_cache_steady_state_takes_no_lock(void **state)
{
	void *live[64];
	uint64_t x = 12345;
	unsigned long locks;

	(void)state;
	for (int k = 0; k < 64; k++)
		assert_non_null(live[k] = halloc_malloc(&heap, 100));
	churn_window(live, 64, 100, 4 * HALLOC_QUARANTINE, &x); /* the quarantine full */
	locks = host.locks;
	churn_window(live, 64, 100, 20000, &x);
	assert_true(host.locks - locks <= 1);
	for (int k = 0; k < 64; k++)
		halloc_free(&heap, live[k]);
	settle();
	assert_int_equal(heap.nquarantine, HALLOC_QUARANTINE);
	assert_int_equal(heap.stats.blocks, 0);
	assert_int_equal(host.reports, 0);
}

/*
 * A cache's quarantine holds HALLOC_CACHE_QUARANTINE_BYTES of slots at
 * most: 32 of 4000 bytes (4096-byte slots); one freed into an empty
 * quarantine stays through the next 31 frees; the bytes and slots it
 * counts are those it holds.
 */
static void test_cache_quarantine_bounded_in_bytes(void **state)
{
	uint32_t slot = heap.areas[heap.class_of[(4000 + HALLOC_CANARY + 15) / 16]].slot_bytes;
	uint32_t most = HALLOC_CACHE_QUARANTINE_BYTES / slot;
	void *first = halloc_malloc(&heap, 4000), *small[40];
	uint64_t bytes = 0;

	(void)state;
	halloc_free(&heap, first);
	for (uint32_t i = 0; i + 1 < most; i++) {
		void *q = halloc_malloc(&heap, 4000);

		assert_true(q != first);
		halloc_free(&heap, q);
	}
	for (int i = 0; i < 200; i++) {
		halloc_free(&heap, halloc_malloc(&heap, 4000));
		assert_true(thread_cache.nquarantine <= most);
		assert_true(thread_cache.quarantine_bytes <= HALLOC_CACHE_QUARANTINE_BYTES);
	}
	assert_int_equal(thread_cache.nquarantine, most);
	for (int i = 0; i < 40; i++) /* small ones come in, 4 KiB ones leave */
		assert_non_null(small[i] = halloc_malloc(&heap, 100));
	for (int i = 0; i < 40; i++)
		halloc_free(&heap, small[i]);
	for (uint32_t i = 0; i < thread_cache.nquarantine; i++) {
		uint64_t key = thread_cache.quarantine[i];

		bytes += heap.areas[key >> 48].slot_bytes;
	}
	assert_int_equal(bytes, thread_cache.quarantine_bytes);
	assert_int_equal(slot, 4096);
	assert_true(bytes + slot > HALLOC_CACHE_QUARANTINE_BYTES); /* full: none left early */
	assert_int_equal(host.reports, 0);
}

/* Emptied slabs go back HALLOC_RELEASE_BATCH at a time, through one unmap_many. */
static unsigned long unmap_many_calls, ranges_unmapped;

static void host_unmap_many(void *ctx, const uint64_t *addr, const uint64_t *len, unsigned n)
{
	unmap_many_calls++;
	ranges_unmapped += n;
	for (unsigned i = 0; i < n; i++)
		host_unmap(ctx, addr[i], len[i]);
}

static void test_slabs_released_in_batches(void **state)
{
	struct halloc_backend batched = backend;
	static void *p[64 * 16];
	size_t pending;

	(void)state;
	batched.unmap_many = host_unmap_many;
	assert_int_equal(halloc_init(&heap, &batched, (uintptr_t)reservation, RESERVE), 0);
	unmap_many_calls = ranges_unmapped = 0;
	for (int i = 0; i < 64 * 16; i++) /* 64 slabs of 16 slots of 4 KiB */
		assert_non_null(p[i] = halloc_malloc(&heap, 4000));
	for (int i = 0; i < 64 * 16; i++)
		halloc_free(&heap, p[i]);
	for (int i = 0; i < 4 * HALLOC_QUARANTINE; i++) /* the quarantine lets them go */
		halloc_free(&heap, halloc_malloc(&heap, 16));
	assert_true(unmap_many_calls >= 2);
	assert_int_equal(ranges_unmapped, unmap_many_calls * HALLOC_RELEASE_BATCH);
	assert_int_equal(host.mapped, heap.stats.data_mapped + heap.stats.meta_mapped);
	pending = (size_t)heap.nreleasing; /* the shrinker does not wait for a batch */
	assert_true(halloc_shrink(&heap, SIZE_MAX) >= pending * 4096);
	assert_int_equal(heap.nreleasing, 0);
	assert_int_equal(host.mapped, heap.stats.data_mapped + heap.stats.meta_mapped);
	assert_int_equal(host.reports, 0);
}

static void test_threads(void **state)
{
	pthread_t t[4];

	(void)state;
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_churn, (void *)(i + 1)), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	settle();
	assert_int_equal(host.reports, 0);
	assert_int_equal(heap.stats.blocks, 0);
}

int main(void)
{
	assert_int_equal(pthread_key_create(&cache_key, host_cache_flush), 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sizes_and_alignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calloc_and_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_and_random_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_repeats_with_the_layout_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fault_explanations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_medium_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_medium_written_pages, setup_marking, teardown),
		cmocka_unit_test_setup_teardown(test_medium_written_pages, setup_marking_sync, teardown),
		cmocka_unit_test_setup_teardown(test_medium_sync_rechecks, setup_marking_sync, teardown),
		cmocka_unit_test_setup_teardown(test_stress_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slabs_released_in_batches, setup, teardown),
		/* Again through the caches: every detection, the layout, the counts. */
		cmocka_unit_test_setup_teardown(test_sizes_and_alignment, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_calloc_and_aligned, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_small_overflow, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_double_free, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_free, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_and_random_slots, setup_cached,
						teardown),
		cmocka_unit_test_setup_teardown(test_layout_repeats_with_the_layout_stream,
						setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_cache_slots_stay_owned, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_cache_steady_state_takes_no_lock, setup_cached,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache_quarantine_bounded_in_bytes, setup_cached,
						teardown),
		cmocka_unit_test_setup_teardown(test_cache_layout_repeats, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_given_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stress_against_model, setup_cached, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup_cached, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
