/*
 * The placement planner: bounds and alignment, no overlap and guards kept,
 * exhaustion, the deterministic lowest fit, entropy bits, uniformity.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/aslr.h>
#include <carapace/csprng.h>

#include "chi_square.h"

#define PAGE 0x1000ull
#define MAX_PLACED 256

struct layout {
	struct aslr_region r[MAX_PLACED];
	size_t n;
};

static void seeded(struct csprng *g, uint64_t seed)
{
	csprng_init(g, NULL, 0);
	csprng_seed(g, &seed, sizeof(seed));
}

/* Keeps the list sorted, as the planner wants it. */
static void add(struct layout *l, uint64_t base, const struct aslr_request *q)
{
	size_t i = l->n;

	assert_true(l->n < MAX_PLACED);
	while (i > 0 && l->r[i - 1].start > base) {
		l->r[i] = l->r[i - 1];
		i--;
	}
	l->r[i] = (struct aslr_region){ base, base + q->size, q->guard_before,
					q->guard_after };
	l->n++;
}

static int place(struct layout *l, const struct aslr_request *q, struct csprng *g,
		 struct aslr_choice *c)
{
	int rc = aslr_plan(q, l->r, l->n, g, c);

	if (rc == 0)
		add(l, c->base, q);
	return rc;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Every pair apart by at least the larger of the facing guards. */
static void check_layout(const struct layout *l, const struct aslr_request *area)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct aslr_region *a = &l->r[i];

		assert_true(a->start - a->guard_before >= area->lo);
		assert_true(a->end + a->guard_after <= area->hi);
		if (i > 0) {
			const struct aslr_region *b = &l->r[i - 1];

			assert_true(a->start >= b->end);
			assert_true(a->start - b->end >= max64(a->guard_before, b->guard_after));
		}
	}
}

static void test_random_layout_invariants(void **state)
{
	struct aslr_request q = { .lo = 0x400000, .hi = 0x400000 + 0x4000000 };
	struct layout l = { .n = 0 };
	struct csprng g;
	struct aslr_choice c;

	(void)state;
	seeded(&g, 1);
	for (int i = 0; i < 200; i++) {
		q.size = PAGE * (1 + csprng_below(&g, 16));
		q.align = PAGE << csprng_below(&g, 4);
		q.guard_before = PAGE * csprng_below(&g, 3);
		q.guard_after = PAGE * csprng_below(&g, 3);
		assert_int_equal(place(&l, &q, &g, &c), 0);
		assert_int_equal(c.base % q.align, 0);
		assert_true(c.slots >= 1);
		check_layout(&l, &q);
	}
}

/* The lowest fit, region after region: OSv's bump order, guards shared. */
static void test_deterministic_lowest_fit(void **state)
{
	struct aslr_request q = { .lo = 0x10000, .hi = 0x100000, .size = 2 * PAGE,
				  .align = PAGE, .guard_before = PAGE,
				  .guard_after = PAGE };
	struct layout l = { .n = 0 };
	struct aslr_choice c;

	(void)state;
	assert_int_equal(place(&l, &q, NULL, &c), 0);
	assert_int_equal(c.base, 0x11000);
	assert_int_equal(place(&l, &q, NULL, &c), 0);
	assert_int_equal(c.base, 0x14000); /* one guard page between the two */
	q.guard_before = 3 * PAGE; /* a larger guard wins */
	assert_int_equal(place(&l, &q, NULL, &c), 0);
	assert_int_equal(c.base, 0x19000);
	/* The same request twice gives the same answer. */
	assert_int_equal(aslr_plan(&q, l.r, l.n, NULL, &c), 0);
	assert_int_equal(c.base, 0x1e000);
	assert_int_equal(aslr_plan(&q, l.r, l.n, NULL, &c), 0);
	assert_int_equal(c.base, 0x1e000);
}

/* A hole between two regions is found and filled exactly. */
static void test_fills_hole(void **state)
{
	struct aslr_region placed[2] = {
		{ 0x10000, 0x20000, PAGE, PAGE },
		{ 0x25000, 0x30000, PAGE, PAGE },
	};
	struct aslr_request q = { .lo = 0x10000, .hi = 0x30000, .size = 3 * PAGE,
				  .align = PAGE, .guard_before = PAGE,
				  .guard_after = PAGE };
	struct aslr_choice c;

	(void)state;
	/* 0x21000 .. 0x24000: one slot exactly. */
	assert_int_equal(aslr_plan(&q, placed, 2, NULL, &c), 0);
	assert_int_equal(c.base, 0x21000);
	assert_int_equal(c.slots, 1);
	assert_int_equal(c.entropy_bits, 0);
	q.size = 4 * PAGE;
	assert_int_equal(aslr_plan(&q, placed, 2, NULL, &c), -ENOSPC);
}

static void test_exhaustion(void **state)
{
	struct aslr_request q = { .lo = 0x100000, .hi = 0x100000 + 17 * PAGE,
				  .size = 3 * PAGE, .align = PAGE,
				  .guard_before = PAGE, .guard_after = PAGE };
	struct layout l = { .n = 0 };
	struct aslr_choice c;

	(void)state;
	/* Lowest fit packs [g][3][g][3][g][3][g][3][g] = 17 pages: 4 regions. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(place(&l, &q, NULL, &c), 0);
	assert_int_equal(place(&l, &q, NULL, &c), -ENOSPC);
	check_layout(&l, &q);
	/* Randomly, at least one fits and sooner or later none does. */
	struct csprng g;
	int placed = 0;

	seeded(&g, 3);
	l.n = 0;
	while (place(&l, &q, &g, &c) == 0)
		placed++;
	assert_true(placed >= 1 && placed <= 4);
	check_layout(&l, &q);
}

static void test_invalid_requests(void **state)
{
	struct aslr_region unsorted[2] = { { 0x50000, 0x60000, 0, 0 },
					   { 0x10000, 0x20000, 0, 0 } };
	struct aslr_region in_guard[2] = { { 0x10000, 0x20000, 0, 2 * PAGE },
					   { 0x21000, 0x22000, 0, 0 } };
	struct aslr_request ok = { .lo = 0, .hi = 0x100000, .size = PAGE, .align = PAGE };
	struct aslr_request q;
	struct aslr_choice c;

	(void)state;
	q = ok, q.size = 0;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	q = ok, q.align = 3 * PAGE;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	q = ok, q.align = 0;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	q = ok, q.hi = q.lo;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	q = ok, q.size = UINT64_MAX - 10, q.guard_after = 100;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	q = ok, q.size = 0x200000; /* larger than the area */
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -EINVAL);
	assert_int_equal(aslr_plan(&ok, unsorted, 2, NULL, &c), -EINVAL);
	assert_int_equal(aslr_plan(&ok, in_guard, 2, NULL, &c), -EINVAL);
	assert_int_equal(aslr_plan(&ok, NULL, 1, NULL, &c), -EINVAL);
	/* Alignment larger than any gap that starts aligned. */
	q = ok, q.lo = 0x1000, q.hi = 0x3000, q.align = 0x4000;
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), -ENOSPC);
}

/* The top of the address space: no wrap-around. */
static void test_high_addresses(void **state)
{
	struct aslr_request q = { .lo = 0xfffff00000000000ull,
				  .hi = 0xfffffffffffff000ull, .size = 16 * PAGE,
				  .align = PAGE, .guard_before = PAGE,
				  .guard_after = PAGE };
	struct aslr_region top = { 0xffffffffffff0000ull, 0xfffffffffffff000ull, PAGE, 0 };
	struct csprng g;
	struct aslr_choice c;

	(void)state;
	seeded(&g, 11);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(aslr_plan(&q, &top, 1, &g, &c), 0);
		assert_true(c.base >= q.lo + PAGE);
		assert_true(c.base + q.size + PAGE <= top.start);
	}
	/* Bases from lo + 1 page to top.start - 17 pages (top: 15 pages below hi). */
	assert_int_equal(c.slots, (q.hi - q.lo) / PAGE - 15 - 17);
	assert_int_equal(c.entropy_bits, 31);
}

static void test_entropy_bits(void **state)
{
	struct aslr_request q = { .lo = 0, .hi = 1ull << 32, .size = PAGE, .align = PAGE };
	struct aslr_choice c;

	(void)state;
	assert_int_equal(aslr_entropy_bits(0), 0);
	assert_int_equal(aslr_entropy_bits(1), 0);
	assert_int_equal(aslr_entropy_bits(2), 1);
	assert_int_equal(aslr_entropy_bits(1023), 9);
	assert_int_equal(aslr_entropy_bits(1024), 10);
	assert_int_equal(aslr_entropy_bits(UINT64_MAX), 63);
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), 0);
	assert_int_equal(c.slots, 1ull << 20);
	assert_int_equal(c.entropy_bits, 20);
	q.align = 0x200000; /* 2 MiB alignment: 11 bits fewer */
	assert_int_equal(aslr_plan(&q, NULL, 0, NULL, &c), 0);
	assert_int_equal(c.entropy_bits, 11);
}

/*
 * Uniform over the slots of two unequal gaps: 3 slots below a placed
 * region and 5 above; every slot should be drawn about as often.
 */
static void test_uniform_over_slots(void **state)
{
	enum { SLOTS = 8, DRAWS = 80000 };
	struct aslr_region mid = { 0x14000, 0x16000, 0, 0 };
	struct aslr_request q = { .lo = 0x10000, .hi = 0x1c000, .size = 2 * PAGE,
				  .align = PAGE };
	static const uint64_t bases[SLOTS] = { 0x10000, 0x11000, 0x12000, 0x16000,
					       0x17000, 0x18000, 0x19000, 0x1a000 };
	unsigned counts[SLOTS] = { 0 };
	struct csprng g;
	struct aslr_choice c;

	(void)state;
	seeded(&g, 77);
	for (int i = 0; i < DRAWS; i++) {
		int k;

		assert_int_equal(aslr_plan(&q, &mid, 1, &g, &c), 0);
		assert_int_equal(c.slots, SLOTS);
		for (k = 0; k < SLOTS && bases[k] != c.base; k++)
			;
		assert_true(k < SLOTS);
		counts[k]++;
	}
	/* 7 degrees of freedom: chi-square > 24.3 has probability 0.001. */
	assert_true(chi_square(counts, SLOTS, DRAWS) < 24.3);
}

/* A fixed seed gives a fixed layout (aslr.seed=N). */
static void test_seed_reproduces_layout(void **state)
{
	struct aslr_request q = { .lo = 0x1000000, .hi = 0x100000000ull,
				  .size = 8 * PAGE, .align = PAGE,
				  .guard_before = PAGE, .guard_after = PAGE };
	struct layout a = { .n = 0 }, b = { .n = 0 }, other = { .n = 0 };
	struct csprng ga, gb, gc;
	struct aslr_choice c;

	(void)state;
	seeded(&ga, 1234);
	seeded(&gb, 1234);
	seeded(&gc, 1235);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(place(&a, &q, &ga, &c), 0);
		assert_int_equal(place(&b, &q, &gb, &c), 0);
		assert_int_equal(place(&other, &q, &gc, &c), 0);
	}
	assert_memory_equal(a.r, b.r, sizeof(a.r[0]) * a.n);
	assert_memory_not_equal(a.r, other.r, sizeof(a.r[0]) * a.n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_layout_invariants),
		cmocka_unit_test(test_deterministic_lowest_fit),
		cmocka_unit_test(test_fills_hole),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_invalid_requests),
		cmocka_unit_test(test_high_addresses),
		cmocka_unit_test(test_entropy_bits),
		cmocka_unit_test(test_uniform_over_slots),
		cmocka_unit_test(test_seed_reproduces_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
