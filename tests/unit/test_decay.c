/* decay: the fixed-point scale tracks 2^(t/H), charges and rescales are exact enough. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <carapace/decay.h>

static void test_scale_matches_exp2(void **state)
{
	(void)state;
	for (uint64_t dt = 0; dt < 20 * DECAY_HALF_LIFE_NS; dt += DECAY_HALF_LIFE_NS / 7 + 1) {
		double want = ldexp(pow(2.0, (double)dt / DECAY_HALF_LIFE_NS), 32);
		double got = (double)decay_scale_q32(dt);

		/* 64 steps per half-life: at most 2^(1/64) - 1 = 1.09% low. */
		assert_true(got <= want * 1.0000001);
		assert_true(got >= want / 1.011);
	}
	assert_int_equal(decay_scale_q32(0), 1ull << 32);
	assert_int_equal(decay_scale_q32(DECAY_HALF_LIFE_NS), 1ull << 33);
	assert_int_equal(decay_scale_q32(40 * DECAY_HALF_LIFE_NS), UINT64_MAX);
}

static void test_charge_and_rescale(void **state)
{
	(void)state;
	assert_int_equal(decay_charge(1000, 1ull << 32), 1000);
	assert_int_equal(decay_charge(1000, 1ull << 33), 2000);
	assert_int_equal(decay_charge(UINT64_MAX, UINT64_MAX), UINT64_MAX);
	assert_int_equal(decay_rescale(3000, 1ull << 33, 1ull << 32), 1500);
	assert_int_equal(decay_rescale(5, 0, 1), UINT64_MAX);
	assert_int_equal(decay_rescale(UINT64_MAX, 1, 2), UINT64_MAX);
}

/*
 * The point of the scheme: two threads' stored runtimes compare as their
 * decayed runtimes do. A ran 10 ms long ago, B ran 6 ms just now.
 */
static void test_old_work_counts_less(void **state)
{
	uint64_t a = decay_charge(10000000, decay_scale_q32(0));
	uint64_t b = decay_charge(6000000, decay_scale_q32(2 * DECAY_HALF_LIFE_NS));

	(void)state;
	assert_true(a < b); /* 10 ms decayed by 4x is 2.5 ms < 6 ms */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_matches_exp2),
		cmocka_unit_test(test_charge_and_rescale),
		cmocka_unit_test(test_old_work_counts_less),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
