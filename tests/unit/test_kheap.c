/*
 * Tests for kernel/mm/kheap.c. The heap's pages come from a test arena that
 * counts pages outstanding and never unmaps memory, so double and invalid
 * frees can be tried safely; each must be reported exactly once and leave
 * the heap (and the whole arena) byte-for-byte unchanged.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/kheap.h>

#define PG KHEAP_PAGE_SIZE

/* A page source over one aligned host allocation, first fit. */
struct arena {
	char *base;
	size_t npages;
	bool *used;
	size_t outstanding;
	size_t limit; /* alloc fails beyond this many outstanding pages */
	int misalign; /* hand out base + misalign: a broken source */
};

static void *arena_alloc(void *ctx, size_t n)
{
	struct arena *a = ctx;

	if (n == 0 || n > a->npages || a->outstanding + n > a->limit)
		return NULL;
	for (size_t i = 0; i + n <= a->npages; i++) {
		size_t k = 0;

		while (k < n && !a->used[i + k])
			k++;
		if (k < n) {
			i += k;
			continue;
		}
		memset(a->used + i, 1, n);
		a->outstanding += n;
		return a->base + i * PG + a->misalign;
	}
	return NULL;
}

static void arena_free(void *ctx, void *p, size_t n)
{
	struct arena *a = ctx;
	size_t off = (size_t)((char *)p - a->base) - (size_t)a->misalign;

	assert_true((char *)p >= a->base && off % PG == 0);
	assert_true(off / PG + n <= a->npages);
	for (size_t i = off / PG; i < off / PG + n; i++) {
		assert_true(a->used[i]);
		a->used[i] = false;
	}
	a->outstanding -= n;
}

struct errors {
	int count;
	enum kheap_error last;
	const void *ptr;
};

/* Tests record the error and go on; the kernel's hook would not return. */
static void record_error(void *ctx, enum kheap_error err, const void *ptr)
{
	struct errors *e = ctx;

	e->count++;
	e->last = err;
	e->ptr = ptr;
}

struct fixture {
	struct arena arena;
	struct errors errors;
	struct kheap heap;
};

static struct fixture *setup(size_t npages)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct kheap_page_source src = { arena_alloc, arena_free, &f->arena };

	assert_non_null(f);
	f->arena.base = aligned_alloc(PG, npages * PG);
	f->arena.used = calloc(npages, sizeof(bool));
	f->arena.npages = npages;
	f->arena.limit = npages;
	memset(f->arena.base, 0xee, npages * PG);
	kheap_init(&f->heap, &src, record_error, &f->errors);
	return f;
}

/* Everything freed and trimmed: no page may still be out. */
static void teardown(struct fixture *f)
{
	kheap_trim(&f->heap);
	assert_int_equal(f->heap.bytes_in_use, 0);
	assert_int_equal(f->heap.pages_in_use, 0);
	assert_int_equal(f->arena.outstanding, 0);
	free(f->arena.base);
	free(f->arena.used);
	free(f);
}

struct size_case {
	size_t size;
	size_t usable;
	size_t pages; /* pages_in_use after the allocation */
};

static const struct size_case size_cases[] = {
	{ 0, 16, 1 }, { 1, 16, 1 }, { 16, 16, 1 }, { 17, 32, 1 },
	{ 100, 128, 1 }, { 1024, 1024, 1 }, { 1025, 2048, 1 },
	{ 2048, 2048, 1 }, { 2049, PG - 48, 1 }, { PG - 48, PG - 48, 1 },
	{ PG - 47, 2 * PG - 48, 2 }, { 100000, 25 * PG - 48, 25 },
};

/* Each size gets its class or its pages, 16-byte aligned, counted. */
static void test_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
		const struct size_case *c = &size_cases[i];
		struct fixture *f = setup(64);
		char *p = kheap_alloc(&f->heap, c->size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_int_equal(kheap_usable_size(&f->heap, p), c->usable);
		assert_int_equal(f->heap.bytes_in_use, c->usable);
		assert_int_equal(f->heap.pages_in_use, c->pages);
		assert_int_equal(f->arena.outstanding, c->pages);
		memset(p, 0x11, c->usable);
		kheap_free(&f->heap, p);
		assert_int_equal(f->errors.count, 0);
		teardown(f);
	}
}

/* Blocks of every class side by side: filling one never touches another. */
static void test_no_overlap(void **state)
{
	enum { N = 300 };
	struct fixture *f = setup(1024);
	unsigned char *p[N];

	(void)state;
	for (int i = 0; i < N; i++) {
		size_t size = (size_t)(i * 37) % 5000;

		p[i] = kheap_alloc(&f->heap, size);
		assert_non_null(p[i]);
		memset(p[i], i & 0xff, kheap_usable_size(&f->heap, p[i]));
	}
	for (int i = 0; i < N; i++) {
		size_t n = kheap_usable_size(&f->heap, p[i]);

		for (size_t k = 0; k < n; k++)
			assert_int_equal(p[i][k], i & 0xff);
		kheap_free(&f->heap, p[i]);
	}
	assert_int_equal(f->errors.count, 0);
	teardown(f);
}

/* calloc zeroes reused memory and refuses a product that overflows. */
static void test_zeroed_alloc(void **state)
{
	struct fixture *f = setup(16);
	unsigned char *p;

	(void)state;
	p = kheap_alloc(&f->heap, 64);
	memset(p, 0xff, 64);
	kheap_free(&f->heap, p);
	p = kheap_calloc(&f->heap, 8, 8);
	assert_non_null(p);
	for (int i = 0; i < 64; i++)
		assert_int_equal(p[i], 0);
	kheap_free(&f->heap, p);
	assert_null(kheap_calloc(&f->heap, SIZE_MAX / 2, 3));
	assert_null(kheap_calloc(&f->heap, 3, SIZE_MAX / 2));
	p = kheap_calloc(&f->heap, 0, 5);
	assert_non_null(p);
	kheap_free(&f->heap, p);
	teardown(f);
}

/* Absurd sizes and an exhausted source give NULL; the heap goes on working. */
static void test_alloc_failures(void **state)
{
	static const size_t absurd[] = {
		SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 48, SIZE_MAX - PG,
		SIZE_MAX - PG - 48, SIZE_MAX / 2, 65 * PG,
	};
	struct fixture *f = setup(64);
	void *p, *q;

	(void)state;
	for (size_t i = 0; i < sizeof(absurd) / sizeof(absurd[0]); i++)
		assert_null(kheap_alloc(&f->heap, absurd[i]));
	assert_int_equal(f->heap.pages_in_use, 0);
	f->arena.limit = 0;
	assert_null(kheap_alloc(&f->heap, 8));
	assert_null(kheap_alloc(&f->heap, 5000));
	f->arena.limit = 64;
	p = kheap_alloc(&f->heap, 8);
	q = kheap_alloc(&f->heap, 5000);
	assert_non_null(p);
	assert_non_null(q);
	kheap_free(&f->heap, p);
	kheap_free(&f->heap, q);
	kheap_free(&f->heap, NULL);
	assert_int_equal(f->errors.count, 0);
	teardown(f);
}

/* Pages that are not page-aligned are given back, never used. */
static void test_misaligned_source(void **state)
{
	struct fixture *f = setup(8);

	(void)state;
	f->arena.misalign = 16;
	assert_null(kheap_alloc(&f->heap, 8));
	assert_null(kheap_alloc(&f->heap, 9000));
	assert_int_equal(f->arena.outstanding, 0);
	f->arena.misalign = 0;
	teardown(f);
}

/* An empty slab is kept for reuse, one per class; more go back. */
static void test_slab_cache(void **state)
{
	enum { PER_SLAB = (PG - 64) / 16 };
	struct fixture *f = setup(16);
	void *p[PER_SLAB + 1];

	(void)state;
	p[0] = kheap_alloc(&f->heap, 16);
	kheap_free(&f->heap, p[0]);
	assert_int_equal(f->heap.pages_in_use, 1); /* cached */
	assert_ptr_equal(kheap_alloc(&f->heap, 16), p[0]);
	for (int i = 1; i <= PER_SLAB; i++)
		p[i] = kheap_alloc(&f->heap, 16);
	assert_int_equal(f->heap.pages_in_use, 2);
	for (int i = 0; i <= PER_SLAB; i++)
		kheap_free(&f->heap, p[i]);
	assert_int_equal(f->heap.pages_in_use, 1);
	assert_int_equal(f->arena.outstanding, 1);
	assert_int_equal(f->errors.count, 0);
	teardown(f);
}

enum target {
	SLAB_HEADER_START, SLAB_HEADER_MID, SLAB_MISALIGNED, SLAB_TAIL,
	LARGE_PAGE_START, LARGE_MISALIGNED, LARGE_SECOND_PAGE, GARBAGE_PAGE,
	COPIED_HEADER, SMALL_TWICE, LARGE_TWICE,
};

struct bad_free_case {
	enum target target;
	enum kheap_error err;
};

static const struct bad_free_case bad_free_cases[] = {
	{ SLAB_HEADER_START, KHEAP_ERR_INVALID_FREE },
	{ SLAB_HEADER_MID, KHEAP_ERR_INVALID_FREE },
	{ SLAB_MISALIGNED, KHEAP_ERR_INVALID_FREE },
	{ SLAB_TAIL, KHEAP_ERR_INVALID_FREE },
	{ LARGE_PAGE_START, KHEAP_ERR_INVALID_FREE },
	{ LARGE_MISALIGNED, KHEAP_ERR_INVALID_FREE },
	{ LARGE_SECOND_PAGE, KHEAP_ERR_INVALID_FREE },
	{ GARBAGE_PAGE, KHEAP_ERR_INVALID_FREE },
	{ COPIED_HEADER, KHEAP_ERR_INVALID_FREE },
	{ SMALL_TWICE, KHEAP_ERR_DOUBLE_FREE },
	{ LARGE_TWICE, KHEAP_ERR_DOUBLE_FREE },
};

/* The bad pointer for a target, given live small/large blocks and a spare page. */
static void *bad_pointer(struct fixture *f, enum target t, char *small,
			 char *large, char *spare)
{
	char *slab = (char *)((uintptr_t)small & ~(uintptr_t)(PG - 1));

	switch (t) {
	case SLAB_HEADER_START: return slab;
	case SLAB_HEADER_MID:   return slab + 48;
	case SLAB_MISALIGNED:   return small + 16;  /* inside a 128-byte slot */
	case SLAB_TAIL:         return slab + 64 + 31 * 128; /* past slot 30 */
	case LARGE_PAGE_START:  return large - 48;
	case LARGE_MISALIGNED:  return large + 16;
	case LARGE_SECOND_PAGE: return large + PG;
	case GARBAGE_PAGE:      return spare + 64;
	case COPIED_HEADER:
		memcpy(spare, slab, 64);
		return spare + 64;
	case SMALL_TWICE:
		kheap_free(&f->heap, small + 128);
		return small + 128;
	case LARGE_TWICE: {
		char *other = kheap_alloc(&f->heap, 3 * PG);

		kheap_free(&f->heap, other);
		return other;
	}
	}
	return NULL;
}

/*
 * Each bad free: reported once with the right kind and pointer, the heap
 * struct and the whole arena unchanged, and the heap still works after.
 */
static void test_bad_frees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_free_cases) / sizeof(bad_free_cases[0]);
	     i++) {
		const struct bad_free_case *c = &bad_free_cases[i];
		struct fixture *f = setup(32);
		size_t bytes = f->arena.npages * PG;
		char *small = kheap_alloc(&f->heap, 100);
		char *small2 = kheap_alloc(&f->heap, 100);
		char *large = kheap_alloc(&f->heap, 2 * PG);
		char *spare = arena_alloc(&f->arena, 1);
		char *snapshot = malloc(bytes);
		struct kheap heap_before;
		void *bad;

		assert_ptr_equal(small2, small + 128);
		memset(large, 0, 2 * PG);
		bad = bad_pointer(f, c->target, small, large, spare);
		memcpy(snapshot, f->arena.base, bytes);
		heap_before = f->heap;

		kheap_free(&f->heap, bad);
		if (f->errors.count != 1 || f->errors.last != c->err)
			fail_msg("case %zu: %d errors, last %d", i,
				 f->errors.count, (int)f->errors.last);
		assert_ptr_equal(f->errors.ptr, bad);
		assert_memory_equal(&f->heap, &heap_before, sizeof(heap_before));
		assert_memory_equal(f->arena.base, snapshot, bytes);
		assert_int_equal(kheap_usable_size(&f->heap, bad), 0);

		/* Still working: the live blocks free cleanly, no more errors. */
		if (c->target != SMALL_TWICE)
			kheap_free(&f->heap, small2);
		kheap_free(&f->heap, small);
		kheap_free(&f->heap, large);
		void *again = kheap_alloc(&f->heap, 100);
		assert_non_null(again);
		kheap_free(&f->heap, again);
		assert_int_equal(f->errors.count, 1);
		arena_free(&f->arena, spare, 1);
		free(snapshot);
		teardown(f);
	}
}

/*
 * Once an empty slab's page has gone back, a stale pointer into it is still
 * caught, as an invalid free (the header that would say "freed" is gone).
 */
static void test_free_after_slab_released(void **state)
{
	struct fixture *f = setup(8);
	void *a = kheap_alloc(&f->heap, 2048);
	void *b = kheap_alloc(&f->heap, 2048); /* one slot per page */

	(void)state;
	kheap_free(&f->heap, a); /* a's slab is the cached empty one */
	kheap_free(&f->heap, b); /* b's slab goes back */
	assert_int_equal(f->heap.pages_in_use, 1);
	kheap_free(&f->heap, b);
	assert_int_equal(f->errors.count, 1);
	assert_int_equal(f->errors.last, KHEAP_ERR_INVALID_FREE);
	kheap_free(&f->heap, a);
	assert_int_equal(f->errors.count, 2);
	assert_int_equal(f->errors.last, KHEAP_ERR_DOUBLE_FREE);
	teardown(f);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

struct live {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

/*
 * 20,000 random allocations and frees against a list of live blocks: each
 * block keeps its contents, bytes_in_use matches the model, an occasional
 * immediate double free is caught, and at the end no page is left out.
 */
static void test_stress_against_model(void **state)
{
	enum { MAXLIVE = 400, OPS = 20000 };
	struct fixture *f = setup(4096);
	struct live live[MAXLIVE];
	int nlive = 0, expected_errors = 0;
	uint64_t seed = 0x2545f4914f6cdd1dull;
	size_t model_bytes = 0;

	(void)state;
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed);

		if (nlive < MAXLIVE && (r % 8 < 5 || nlive == 0)) {
			size_t size = rnd(&seed) % 10 < 8 ? rnd(&seed) % 2100
							 : rnd(&seed) % 20000;
			struct live *l = &live[nlive];

			l->p = kheap_alloc(&f->heap, size);
			assert_non_null(l->p);
			assert_int_equal((uintptr_t)l->p % 16, 0);
			l->size = kheap_usable_size(&f->heap, l->p);
			assert_true(l->size >= size);
			l->fill = (unsigned char)op;
			memset(l->p, l->fill, l->size);
			model_bytes += l->size;
			nlive++;
		} else {
			int i = (int)(rnd(&seed) % (uint64_t)nlive);
			struct live l = live[i];
			size_t pages = f->heap.pages_in_use;

			for (size_t k = 0; k < l.size; k++)
				if (l.p[k] != l.fill)
					fail_msg("op %d: block %p byte %zu changed",
						 op, (void *)l.p, k);
			kheap_free(&f->heap, l.p);
			model_bytes -= l.size;
			live[i] = live[--nlive];
			if (r % 16 == 0) {
				bool small = l.size <= KHEAP_MAX_SMALL;
				bool slab_gone = small && f->heap.pages_in_use < pages;

				kheap_free(&f->heap, l.p);
				expected_errors++;
				assert_int_equal(f->errors.count, expected_errors);
				assert_int_equal(f->errors.last,
						 slab_gone ? KHEAP_ERR_INVALID_FREE
							   : KHEAP_ERR_DOUBLE_FREE);
			}
		}
		assert_int_equal(f->heap.bytes_in_use, model_bytes);
		assert_int_equal(f->heap.pages_in_use, f->arena.outstanding);
	}
	while (nlive > 0)
		kheap_free(&f->heap, live[--nlive].p);
	assert_true(f->heap.pages_in_use <= KHEAP_NCLASSES);
	assert_int_equal(f->errors.count, expected_errors);
	teardown(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_zeroed_alloc),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_misaligned_source),
		cmocka_unit_test(test_slab_cache),
		cmocka_unit_test(test_bad_frees),
		cmocka_unit_test(test_free_after_slab_released),
		cmocka_unit_test(test_stress_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
