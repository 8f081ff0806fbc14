/*
 * kernel/lib/int128.c: the kernel's own 128-bit division (the freestanding
 * kernel has no compiler runtime) against the host compiler's, for divisors
 * below 2^64 (two hardware divisions) and above (the bit loop).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Renamed, so that the host's own __udivti3 stays the reference. */
#define __udivti3 kernel_udivti3
#define __umodti3 kernel_umodti3
#include "../../kernel/lib/int128.c"

typedef unsigned __int128 u128;

static uint64_t state = 0x9e3779b97f4a7c15ull;

/* splitmix64: a fixed sequence, so that a failure reproduces. */
static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void check(u128 n, u128 d)
{
	assert_true(kernel_udivti3(n, d) == n / d);
	assert_true(kernel_umodti3(n, d) == n % d);
}

static void test_word_divisors(void **unused)
{
	(void)unused;
	check(0, 1);
	check(~(u128)0, 1);
	check(~(u128)0, UINT64_MAX);
	check((u128)1 << 64, 3);
	check(((u128)999999999 << 64) | 5, 1000000000);
	for (int i = 0; i < 200000; i++) {
		u128 n = (u128)next() << 64 | next();
		uint64_t d = next() >> (next() & 63);

		check(n >> (next() & 127), d ? d : 1);
	}
}

static void test_wide_divisors(void **unused)
{
	(void)unused;
	check(~(u128)0, (u128)1 << 64);
	check(((u128)5 << 64) + 7, ((u128)5 << 64) + 8); /* n < d */
	for (int i = 0; i < 20000; i++) {
		u128 n = (u128)next() << 64 | next();
		u128 d = (u128)(next() | 1) << 64 | next();

		check(n, d >> (next() & 63));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word_divisors),
		cmocka_unit_test(test_wide_divisors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
