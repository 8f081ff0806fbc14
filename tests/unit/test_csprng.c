/*
 * csprng: determinism with a fixed seed, reseeding, fast key erasure, the
 * health checks on entropy sources, unbiased bounded draws.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/csprng.h>

#include "chi_square.h"

/* A scripted source: a counter with a step (0: stuck), or a failing one. */
struct fake {
	uint64_t next, step;
	int fail_after; /* reads that succeed before read64 fails; -1: never */
	int reads;
};

static int fake_read(void *ctx, uint64_t *out)
{
	struct fake *f = ctx;

	if (f->fail_after >= 0 && f->reads >= f->fail_after)
		return -EIO;
	f->reads++;
	*out = f->next;
	f->next += f->step;
	return 0;
}

static struct entropy_source fake_source(struct fake *f, const char *name)
{
	return (struct entropy_source){ .name = name, .read64 = fake_read, .ctx = f };
}

static void seeded(struct csprng *g, uint64_t seed)
{
	csprng_init(g, NULL, 0);
	csprng_seed(g, &seed, sizeof(seed));
}

static void test_same_seed_same_output(void **state)
{
	struct csprng a, b, c;
	uint8_t x[300], y[300], z[300];

	(void)state;
	seeded(&a, 42);
	seeded(&b, 42);
	seeded(&c, 43);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(csprng_bytes(&a, x, sizeof(x)), 0);
		assert_int_equal(csprng_bytes(&b, y, sizeof(y)), 0);
		assert_int_equal(csprng_bytes(&c, z, sizeof(z)), 0);
		assert_memory_equal(x, y, sizeof(x));
		assert_memory_not_equal(x, z, sizeof(x));
	}
	/* Successive requests differ too. */
	csprng_bytes(&a, y, sizeof(y));
	assert_memory_not_equal(x, y, sizeof(x));
}

/* Seeds of different lengths that pad alike still differ. */
static void test_seed_length_counts(void **state)
{
	struct csprng a, b;
	uint8_t s[2] = { 'a', 0 };

	(void)state;
	csprng_init(&a, NULL, 0);
	csprng_init(&b, NULL, 0);
	csprng_seed(&a, s, 1);
	csprng_seed(&b, s, 2);
	assert_int_not_equal(csprng_u64(&a), csprng_u64(&b));
}

static void test_reseed_changes_output(void **state)
{
	struct fake f = { .next = 0x1234567890abcdefull, .step = 0x9e3779b97f4a7c15ull,
			  .fail_after = -1 };
	struct entropy_source src = fake_source(&f, "fake");
	struct csprng a, b;

	(void)state;
	seeded(&a, 7);
	seeded(&b, 7);
	b.source = &src;
	assert_int_equal(csprng_reseed(&b), 0);
	assert_int_equal(b.reseeds, 1);
	assert_int_equal(f.reads, CSPRNG_SEED_WORDS);
	assert_int_not_equal(csprng_u64(&a), csprng_u64(&b));

	/* Mixing anything in changes the stream as well. */
	seeded(&a, 7);
	seeded(&b, 7);
	csprng_mix(&b, "x", 1);
	assert_int_not_equal(csprng_u64(&a), csprng_u64(&b));
}

static void test_reseeds_after_n_bytes(void **state)
{
	struct fake f = { .next = 1, .step = 0x9e3779b97f4a7c15ull, .fail_after = -1 };
	struct entropy_source src = fake_source(&f, "fake");
	struct csprng g;
	uint8_t buf[64];

	(void)state;
	csprng_init(&g, &src, 100);
	assert_int_equal(csprng_bytes(&g, buf, sizeof(buf)), 0); /* seeds itself */
	assert_true(g.seeded);
	assert_int_equal(g.reseeds, 0);
	csprng_bytes(&g, buf, sizeof(buf)); /* 64 < 100: no reseed yet */
	assert_int_equal(g.reseeds, 0);
	csprng_bytes(&g, buf, sizeof(buf)); /* 128 >= 100 */
	assert_int_equal(g.reseeds, 1);
	assert_int_equal(g.since_reseed, 64);
}

/*
 * After a request the key is replaced: the old key (which produced the
 * output) is gone from the state, and the new key's stream has nothing in
 * common with what was handed out.
 */
static void test_fast_key_erasure(void **state)
{
	struct csprng g, replay, next;
	uint8_t old_key[CHACHA20_KEY_SIZE], out[96], again[96], later[96];

	(void)state;
	seeded(&g, 99);
	memcpy(old_key, g.key, sizeof(old_key));
	replay = g;
	csprng_bytes(&g, out, sizeof(out));
	assert_memory_not_equal(g.key, old_key, sizeof(old_key));
	/* Only the erased key reproduces the output ... */
	csprng_bytes(&replay, again, sizeof(again));
	assert_memory_equal(out, again, sizeof(out));
	/* ... the key left in the state does not. */
	next = g;
	csprng_bytes(&next, later, sizeof(later));
	assert_memory_not_equal(out, later, sizeof(out));
	for (size_t i = 0; i + CHACHA20_KEY_SIZE <= sizeof(out); i++)
		assert_memory_not_equal(out + i, g.key, CHACHA20_KEY_SIZE);
	/* Even an empty request moves the key on. */
	memcpy(old_key, g.key, sizeof(old_key));
	csprng_bytes(&g, out, 0);
	assert_memory_not_equal(g.key, old_key, sizeof(old_key));
}

struct stuck_case {
	const char *name;
	struct fake fake;
	const char *why; /* a word of entropy_source.why */
};

static void test_stuck_sources_rejected(void **state)
{
	static const struct stuck_case cases[] = {
		{ "repeats", { .next = 0x5555aaaa5555aaaaull, .step = 0, .fail_after = -1 },
		  "same value" },
		{ "all zeros", { .next = 0, .step = 1, .fail_after = -1 }, "all-zero" },
		{ "all ones", { .next = UINT64_MAX, .step = 0, .fail_after = -1 }, "all-one" },
		{ "no output", { .next = 5, .step = 1, .fail_after = 2 }, "no output" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake f = cases[i].fake;
		struct entropy_source src = fake_source(&f, cases[i].name);
		struct csprng g;
		uint8_t buf[16];

		csprng_init(&g, &src, 0);
		memset(buf, 0xcc, sizeof(buf));
		assert_int_equal(csprng_bytes(&g, buf, sizeof(buf)), -EAGAIN);
		assert_false(g.seeded);
		assert_true(src.failed);
		assert_non_null(strstr(src.why, cases[i].why));
		for (size_t j = 0; j < sizeof(buf); j++)
			assert_int_equal(buf[j], 0);
		/* Failed for good, even once it would answer again. */
		f = (struct fake){ .next = 1, .step = 3, .fail_after = -1 };
		assert_int_equal(csprng_reseed(&g), -EIO);
		assert_int_equal(csprng_u64(&g), 0);
		assert_int_equal(csprng_below(&g, 10), 0);
	}
}

/* A source that gets stuck later: the scheduled reseed fails, output goes on. */
static void test_reseed_failure_keeps_key(void **state)
{
	struct fake f = { .next = 10, .step = 1, .fail_after = CSPRNG_SEED_WORDS };
	struct entropy_source src = fake_source(&f, "fake");
	struct csprng g;
	uint8_t buf[32];

	(void)state;
	csprng_init(&g, &src, 16);
	assert_int_equal(csprng_bytes(&g, buf, sizeof(buf)), 0);
	assert_int_equal(csprng_bytes(&g, buf, sizeof(buf)), 0);
	assert_int_equal(g.reseed_failures, 1);
	assert_true(src.failed);
	assert_true(g.seeded);
}

static void test_below_bounds_and_spread(void **state)
{
	enum { N = 10, DRAWS = 100000 };
	unsigned counts[N] = { 0 };
	struct csprng g;

	(void)state;
	seeded(&g, 2024);
	assert_int_equal(csprng_below(&g, 0), 0);
	assert_int_equal(csprng_below(&g, 1), 0);
	for (int i = 0; i < 1000; i++) /* the worst case for rejection */
		assert_true(csprng_below(&g, (1ull << 63) + 1) <= (1ull << 63));
	for (int i = 0; i < DRAWS; i++) {
		uint64_t r = csprng_below(&g, N);

		assert_true(r < N);
		counts[r]++;
	}
	/* 9 degrees of freedom: chi-square > 27.9 has probability 0.001. */
	assert_true(chi_square(counts, N, DRAWS) < 27.9);
}

/*
 * The rejection step matters: with n about 2/3 of 2^64, a plain x % n
 * would give the values below 2^64 - n (a third of them) twice the weight
 * of the rest, and 2/3 of the draws would fall in the lower half instead
 * of 1/2. (With N = 10 above that bias is 2^-60: no count could show it.)
 */
static void test_below_unbiased(void **state)
{
	enum { DRAWS = 1000 };
	const uint64_t n = 0xaaaaaaaaaaaaaaabull; /* 2^64 mod n = n / 2: the worst case for x % n */
	struct csprng g;
	unsigned lower = 0;

	(void)state;
	seeded(&g, 7);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t r = csprng_below(&g, n);

		assert_true(r < n);
		lower += r < n / 2;
	}
	/* Uniform: 500 +- 16 (one standard deviation); x % n: about 667. */
	if (lower < 440 || lower > 560)
		fail_msg("%u of %d draws below n / 2, expected about %d", lower, DRAWS, DRAWS / 2);
}

/* Requests longer than one chunk are served, and are not all zero. */
static void test_long_request(void **state)
{
	struct csprng g;
	size_t len = 200 * 1024, zeros = 0;
	uint8_t *buf = malloc(len);

	(void)state;
	assert_non_null(buf);
	seeded(&g, 5);
	assert_int_equal(csprng_bytes(&g, buf, len), 0);
	for (size_t i = 0; i < len; i++)
		zeros += buf[i] == 0;
	assert_true(zeros < len / 128); /* expected len / 256 */
	/* The chunks are not repeats of each other. */
	assert_memory_not_equal(buf, buf + 64 * 1024, 1024);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_output),
		cmocka_unit_test(test_seed_length_counts),
		cmocka_unit_test(test_reseed_changes_output),
		cmocka_unit_test(test_reseeds_after_n_bytes),
		cmocka_unit_test(test_fast_key_erasure),
		cmocka_unit_test(test_stuck_sources_rejected),
		cmocka_unit_test(test_reseed_failure_keeps_key),
		cmocka_unit_test(test_below_bounds_and_spread),
		cmocka_unit_test(test_below_unbiased),
		cmocka_unit_test(test_long_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
