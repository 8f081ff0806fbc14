/*
 * The shrinker registry (kernel/mm/shrinker.c) against a fake free-memory
 * counter: shrinkers are asked only below the watermark, for the
 * shortfall, round robin, each once per reclaim; a shrinker that
 * allocates does not recurse; unregistered slots are not called.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <carapace/shrinker.h>

static size_t fake_free;

static size_t read_fake_free(void)
{
	return fake_free;
}

/* A cache holding `held` bytes that gives back up to what is asked. */
struct fake_cache {
	size_t held, asked, calls;
	int allocates; /* calls shrinker_before_alloc from its callback */
};

static size_t give_back(size_t wanted, void *arg)
{
	struct fake_cache *c = arg;
	size_t n = wanted < c->held ? wanted : c->held;

	c->calls++;
	c->asked = wanted;
	if (c->allocates)
		assert_int_equal(shrinker_before_alloc(1 << 20), 0);
	c->held -= n;
	fake_free += n;
	return n;
}

static int setup(void **state)
{
	(void)state;
	fake_free = 0;
	shrinker_init(read_fake_free, 1000);
	return 0;
}

static void test_above_watermark_asks_nobody(void **state)
{
	struct fake_cache c = { .held = 5000 };

	(void)state;
	assert_true(shrinker_register("c", give_back, &c) >= 0);
	fake_free = 1500;
	assert_int_equal(shrinker_before_alloc(500), 0); /* 1500 - 500 = watermark */
	assert_int_equal(c.calls, 0);
}

static void test_below_watermark_asks_for_the_shortfall(void **state)
{
	struct fake_cache c = { .held = 5000 };
	struct shrinker_stats st;

	(void)state;
	assert_true(shrinker_register("c", give_back, &c) >= 0);
	fake_free = 1200;
	assert_int_equal(shrinker_before_alloc(700), 500);
	assert_int_equal(c.asked, 500);
	assert_int_equal(c.held, 4500);
	assert_int_equal(fake_free, 1700);
	shrinker_get_stats(&st);
	assert_int_equal(st.reclaims, 1);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.freed, 500);
}

static void test_empty_shrinker_then_next_one(void **state)
{
	struct fake_cache empty = { .held = 0 }, full = { .held = 800 };

	(void)state;
	assert_int_equal(shrinker_register("empty", give_back, &empty), 0);
	assert_int_equal(shrinker_register("full", give_back, &full), 1);
	fake_free = 0;
	/* Wants 1000 + 100: empty gives 0, full gives its 800, then all were asked. */
	assert_int_equal(shrinker_before_alloc(100), 800);
	assert_int_equal(empty.calls, 1);
	assert_int_equal(full.calls, 1);
	assert_int_equal(full.asked, 1100);
}

static void test_round_robin_starts_after_the_last_asked(void **state)
{
	struct fake_cache a = { .held = 10000 }, b = { .held = 10000 };

	(void)state;
	assert_int_equal(shrinker_register("a", give_back, &a), 0);
	assert_int_equal(shrinker_register("b", give_back, &b), 1);
	fake_free = 900;
	shrinker_before_alloc(0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	fake_free = 900;
	shrinker_before_alloc(0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	fake_free = 900;
	shrinker_before_alloc(0);
	assert_int_equal(a.calls, 2);
}

static void test_shrinker_that_allocates_does_not_recurse(void **state)
{
	struct fake_cache c = { .held = 5000, .allocates = 1 };

	(void)state;
	assert_true(shrinker_register("c", give_back, &c) >= 0);
	fake_free = 0;
	assert_int_equal(shrinker_before_alloc(0), 1000);
	assert_int_equal(c.calls, 1);
}

static void test_unregister(void **state)
{
	struct fake_cache c = { .held = 5000 };
	int id;

	(void)state;
	id = shrinker_register("c", give_back, &c);
	assert_true(id >= 0);
	assert_int_equal(shrinker_unregister(id), 0);
	assert_int_equal(shrinker_unregister(id), -EINVAL);
	assert_int_equal(shrinker_unregister(-1), -EINVAL);
	assert_int_equal(shrinker_unregister(SHRINKER_MAX), -EINVAL);
	fake_free = 0;
	assert_int_equal(shrinker_before_alloc(10), 0);
	assert_int_equal(c.calls, 0);
}

static void test_table_full_and_bad_arguments(void **state)
{
	struct fake_cache c = { 0 };

	(void)state;
	assert_int_equal(shrinker_register("x", NULL, &c), -EINVAL);
	for (int i = 0; i < SHRINKER_MAX; i++)
		assert_int_equal(shrinker_register("c", give_back, &c), i);
	assert_int_equal(shrinker_register("c", give_back, &c), -ENOSPC);
}

static void test_huge_request_does_not_overflow(void **state)
{
	struct fake_cache c = { .held = 5000 };

	(void)state;
	assert_true(shrinker_register("c", give_back, &c) >= 0);
	fake_free = 100;
	/* watermark + SIZE_MAX overflows: ask for everything, not for 0. */
	assert_int_equal(shrinker_before_alloc((size_t)-1), 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_above_watermark_asks_nobody, setup),
		cmocka_unit_test_setup(test_below_watermark_asks_for_the_shortfall, setup),
		cmocka_unit_test_setup(test_empty_shrinker_then_next_one, setup),
		cmocka_unit_test_setup(test_round_robin_starts_after_the_last_asked, setup),
		cmocka_unit_test_setup(test_shrinker_that_allocates_does_not_recurse, setup),
		cmocka_unit_test_setup(test_unregister, setup),
		cmocka_unit_test_setup(test_table_full_and_bad_arguments, setup),
		cmocka_unit_test_setup(test_huge_request_does_not_overflow, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
