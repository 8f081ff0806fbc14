/*
 * Tests for kernel/mm/pfa.c. Bitmaps are malloc'd at exactly
 * pfa_bitmap_bytes, so ASan catches any access outside them; a randomised
 * run checks the allocator against a plain array of "free" flags.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/pfa.h>

#define PG PFA_PAGE_SIZE

static struct pfa *new_pfa(uint64_t phys_end)
{
	struct pfa *p = malloc(sizeof(*p));
	size_t bytes = pfa_bitmap_bytes(phys_end);
	void *bitmap = malloc(bytes > 0 ? bytes : 1);

	assert_non_null(p);
	assert_non_null(bitmap);
	pfa_init(p, bitmap, phys_end);
	return p;
}

static void free_pfa(struct pfa *p)
{
	free(p->bitmap);
	free(p);
}

static bool frame_used(const struct pfa *p, uint64_t f)
{
	return (p->bitmap[f / 64] >> (f % 64)) & 1;
}

struct bytes_case {
	uint64_t phys_end;
	size_t bytes;
};

static const struct bytes_case bytes_cases[] = {
	{ 0, 0 }, { PG - 1, 0 }, { PG, 8 }, { 64 * PG, 8 }, { 64 * PG + PG - 1, 8 },
	{ 65 * PG, 16 }, { 1ull << 32, (1ull << 20) / 8 },
};

static void test_bitmap_bytes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bytes_cases) / sizeof(bytes_cases[0]); i++)
		assert_int_equal(pfa_bitmap_bytes(bytes_cases[i].phys_end),
				 bytes_cases[i].bytes);
}

/* Everything starts reserved, padding bits included. */
static void test_init_all_reserved(void **state)
{
	struct pfa *p = new_pfa(70 * PG);
	uint64_t phys;

	(void)state;
	assert_int_equal(p->nframes, 70);
	assert_int_equal(p->free_frames, 0);
	assert_int_equal(p->usable_frames, 0);
	assert_int_equal(p->bitmap[0], UINT64_MAX);
	assert_int_equal(p->bitmap[1], UINT64_MAX);
	assert_int_equal(pfa_alloc(p, 1, 1, &phys), -ENOMEM);
	/* Adding past the end changes only the frames that exist. */
	pfa_add_range(p, 0, 1000 * PG);
	assert_int_equal(p->free_frames, 70);
	assert_int_equal(p->bitmap[1] >> 6, UINT64_MAX >> 6);
	free_pfa(p);
}

struct range_case {
	uint64_t start, end; /* added to an all-reserved 16-frame pfa */
	uint64_t rstart, rend; /* then reserved */
	uint64_t free_after_add, free_after_reserve;
	uint64_t used_mask; /* frames 0..15 not free at the end */
};

static const struct range_case range_cases[] = {
	{ 0, 16 * PG, 0, 0, 16, 16, 0x0000 },
	{ 100, 3 * PG + 5, 0, 0, 2, 2, 0xfff9 },          /* partial ends kept */
	{ PG, 2 * PG - 1, 0, 0, 0, 0, 0xffff },           /* no whole frame */
	{ 5 * PG, 2 * PG, 0, 0, 0, 0, 0xffff },           /* end < start */
	{ 0, 16 * PG, PG + 1, PG + 2, 16, 15, 0x0002 },   /* touched frame */
	{ 0, 16 * PG, PG - 1, 2 * PG + 1, 16, 13, 0x0007 },
	{ 0, 16 * PG, 4 * PG, 4 * PG, 16, 16, 0x0000 },   /* empty reserve */
	{ 0, 16 * PG, 15 * PG, UINT64_MAX, 16, 15, 0x8000 },
	{ 2 * PG, 4 * PG, 0, 3 * PG, 2, 1, 0xfff7 },      /* only 2 changes */
};

static void test_ranges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]);
	     i++) {
		const struct range_case *c = &range_cases[i];
		struct pfa *p = new_pfa(16 * PG);
		uint64_t mask = 0;

		pfa_add_range(p, c->start, c->end);
		assert_int_equal(p->free_frames, c->free_after_add);
		assert_int_equal(p->usable_frames, c->free_after_add);
		pfa_reserve_range(p, c->rstart, c->rend);
		assert_int_equal(p->free_frames, c->free_after_reserve);
		for (uint64_t f = 0; f < 16; f++)
			mask |= (uint64_t)frame_used(p, f) << f;
		assert_int_equal(mask, c->used_mask);
		free_pfa(p);
	}
}

/* Overlapping adds count each frame once. */
static void test_overlapping_add(void **state)
{
	struct pfa *p = new_pfa(128 * PG);

	(void)state;
	pfa_add_range(p, 0, 70 * PG);
	pfa_add_range(p, 60 * PG, 100 * PG);
	assert_int_equal(p->free_frames, 100);
	assert_int_equal(p->usable_frames, 100);
	free_pfa(p);
}

struct alloc_case {
	uint64_t n, align;
	int rc;
	uint64_t phys;
};

/*
 * One sequence on 64 free frames, frames 8..9 reserved: next fit moves on,
 * alignment skips ahead, and a request that cannot fit fails cleanly.
 */
static const struct alloc_case alloc_cases[] = {
	{ 0, 1, -EINVAL, 0 },
	{ 1, 0, -EINVAL, 0 },
	{ 3, 1, 0, 0 },
	{ 2, 1, 0, 3 * PG },
	{ 4, 1, 0, 10 * PG },       /* 5..7 too short, 8..9 reserved */
	{ 1, 1, 0, 14 * PG },       /* next fit: not back to 5 */
	{ 16, 16, 0, 16 * PG },
	{ 32, 32, 0, 32 * PG },
	{ 65, 1, -ENOMEM, 0 },
	{ 2, 1, 0, 5 * PG },        /* wrapped around to the start */
	{ 1, 8, -ENOMEM, 0 },       /* 7 and 15 free, neither aligned */
	{ 1, UINT64_MAX, -ENOMEM, 0 },
	{ 2, 1, -ENOMEM, 0 },       /* 7 and 15 free, not adjacent */
	{ 1, 1, 0, 7 * PG },
	{ 1, 1, 0, 15 * PG },
	{ 1, 1, -ENOMEM, 0 },
};

static void test_alloc_sequence(void **state)
{
	struct pfa *p = new_pfa(64 * PG);

	(void)state;
	pfa_add_range(p, 0, 64 * PG);
	pfa_reserve_range(p, 8 * PG, 10 * PG);
	for (size_t i = 0; i < sizeof(alloc_cases) / sizeof(alloc_cases[0]);
	     i++) {
		const struct alloc_case *c = &alloc_cases[i];
		uint64_t before = p->free_frames, phys = 0xbad;
		int rc = pfa_alloc(p, c->n, c->align, &phys);

		if (rc != c->rc || (rc == 0 && phys != c->phys))
			fail_msg("step %zu: rc %d phys %#lx", i, rc,
				 (unsigned long)phys);
		assert_int_equal(p->free_frames, rc == 0 ? before - c->n : before);
		if (rc != 0)
			assert_int_equal(phys, 0xbad);
	}
	assert_int_equal(p->free_frames, 0);
	free_pfa(p);
}

struct free_case {
	uint64_t phys, n;
	int rc;
};

/* Frames 4..7 allocated, the rest free or reserved: bad frees change nothing. */
static const struct free_case free_cases[] = {
	{ 4 * PG + 1, 1, -EINVAL },   /* not frame-aligned */
	{ 4 * PG, 0, -EINVAL },
	{ 32 * PG, 1, -EINVAL },      /* outside */
	{ 31 * PG, 2, -EINVAL },      /* runs outside */
	{ 4 * PG, UINT64_MAX, -EINVAL },
	{ UINT64_MAX & ~(uint64_t)(PG - 1), 1, -EINVAL },
	{ 3 * PG, 2, -EINVAL },       /* frame 3 is free */
	{ 7 * PG, 2, -EINVAL },       /* frame 8 is free */
	{ 5 * PG, 2, 0 },
	{ 5 * PG, 1, -EINVAL },       /* double free */
	{ 4 * PG, 1, 0 },
	{ 7 * PG, 1, 0 },
	{ 7 * PG, 1, -EINVAL },
};

static void test_free_errors(void **state)
{
	struct pfa *p = new_pfa(32 * PG);
	uint64_t phys;

	(void)state;
	pfa_add_range(p, 0, 32 * PG);
	p->next = 4;
	assert_int_equal(pfa_alloc(p, 4, 1, &phys), 0);
	assert_int_equal(phys, 4 * PG);
	for (size_t i = 0; i < sizeof(free_cases) / sizeof(free_cases[0]); i++) {
		const struct free_case *c = &free_cases[i];
		uint64_t before_map = p->bitmap[0], before = p->free_frames;
		int rc = pfa_free(p, c->phys, c->n);

		if (rc != c->rc)
			fail_msg("step %zu: rc %d", i, rc);
		if (rc != 0) {
			assert_int_equal(p->bitmap[0], before_map);
			assert_int_equal(p->free_frames, before);
		} else {
			assert_int_equal(p->free_frames, before + c->n);
		}
	}
	assert_int_equal(p->free_frames, 32);
	free_pfa(p);
}

/* Next fit wraps around to the start when the end is used up. */
static void test_wraps_around(void **state)
{
	struct pfa *p = new_pfa(8 * PG);
	uint64_t a, b;

	(void)state;
	pfa_add_range(p, 0, 8 * PG);
	assert_int_equal(pfa_alloc(p, 6, 1, &a), 0);
	assert_int_equal(pfa_free(p, a, 2), 0);
	assert_int_equal(pfa_alloc(p, 3, 1, &b), -ENOMEM); /* 0..1 and 6..7 */
	assert_int_equal(pfa_alloc(p, 2, 1, &b), 0);
	assert_int_equal(b, 6 * PG);
	assert_int_equal(pfa_alloc(p, 2, 2, &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(p->free_frames, 0);
	free_pfa(p);
}

/* xorshift64: fixed seed, so a failure repeats exactly. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Does the model have n free frames starting at an aligned frame? */
static bool model_has_run(const bool *is_free, uint64_t nframes, uint64_t n,
			  uint64_t align)
{
	for (uint64_t f = 0; f + n <= nframes; f += align) {
		uint64_t k = 0;

		while (k < n && is_free[f + k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

/*
 * 20,000 random allocations, frees and bad frees, each checked against the
 * model; at the end everything is freed and the counts return to the start.
 */
static void test_stress_against_model(void **state)
{
	enum { NFRAMES = 700, MAXLIVE = 64, OPS = 20000 };
	struct pfa *p = new_pfa(NFRAMES * PG + 123);
	bool is_free[NFRAMES] = { false };
	struct { uint64_t phys, n; } live[MAXLIVE];
	int nlive = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	static const uint64_t aligns[] = { 1, 1, 2, 4, 8, 3, 64 };

	(void)state;
	pfa_add_range(p, 5 * PG, 650 * PG + 7);
	pfa_reserve_range(p, 300 * PG + 1, 310 * PG);
	for (uint64_t f = 5; f < 650; f++)
		is_free[f] = f < 300 || f >= 310;
	uint64_t usable = p->free_frames;

	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd(&seed);

		if (r % 3 != 0 && nlive < MAXLIVE) {
			uint64_t n = 1 + rnd(&seed) % 24, phys;
			uint64_t align = aligns[rnd(&seed) % 7];
			bool possible = model_has_run(is_free, NFRAMES, n, align);
			int rc = pfa_alloc(p, n, align, &phys);

			assert_int_equal(rc, possible ? 0 : -ENOMEM);
			if (rc != 0)
				continue;
			assert_int_equal(phys % (align * PG), 0);
			for (uint64_t k = 0; k < n; k++) {
				assert_true(is_free[phys / PG + k]);
				is_free[phys / PG + k] = false;
			}
			live[nlive].phys = phys;
			live[nlive++].n = n;
		} else if (r % 7 == 0) {
			/* A random free: legal only if the model agrees. */
			uint64_t f = rnd(&seed) % (NFRAMES + 4);
			uint64_t n = 1 + rnd(&seed) % 3;
			bool ok = f + n <= NFRAMES;

			for (uint64_t k = 0; ok && k < n; k++)
				ok = !is_free[f + k];
			if (ok)
				continue; /* would free a live or reserved run */
			assert_int_equal(pfa_free(p, f * PG, n), -EINVAL);
		} else if (nlive > 0) {
			int i = (int)(rnd(&seed) % (uint64_t)nlive);

			assert_int_equal(pfa_free(p, live[i].phys, live[i].n), 0);
			for (uint64_t k = 0; k < live[i].n; k++)
				is_free[live[i].phys / PG + k] = true;
			live[i] = live[--nlive];
		}
		uint64_t nfree = 0;
		for (uint64_t f = 0; f < NFRAMES; f++) {
			nfree += is_free[f];
			if (op % 1000 == 0)
				assert_int_equal(frame_used(p, f), !is_free[f]);
		}
		assert_int_equal(p->free_frames, nfree);
	}
	while (nlive > 0) {
		nlive--;
		assert_int_equal(pfa_free(p, live[nlive].phys, live[nlive].n), 0);
	}
	assert_int_equal(p->free_frames, usable);
	assert_int_equal(p->usable_frames, 645);
	free_pfa(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_bytes),
		cmocka_unit_test(test_init_all_reserved),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_overlapping_add),
		cmocka_unit_test(test_alloc_sequence),
		cmocka_unit_test(test_free_errors),
		cmocka_unit_test(test_wraps_around),
		cmocka_unit_test(test_stress_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
