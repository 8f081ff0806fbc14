/*
 * Tests for kernel/boot/ksym.c: lookups in a small table, then tables that
 * are empty or damaged, which must give NULL and never read out of bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/ksym.h>

/* Offsets:        0       6        14    20      */
static const char names[] = "start\0kmain_a\0kmain\0panic\0tail";

static const struct ksym syms[] = {
	{ 0x1000, 0x10, 0 },  /* start: [0x1000, 0x1010) */
	{ 0x2000, 0, 6 },     /* kmain_a and kmain alias at 0x2000 */
	{ 0x2000, 0, 14 },
	{ 0x3000, 0x100, 20 },/* panic: [0x3000, 0x3100) */
	{ 0x4000, 0, 26 },    /* tail: size unknown, reaches to the end */
};

static const struct ksym_table table = {
	syms, sizeof(syms) / sizeof(syms[0]), names, sizeof(names),
};

struct lookup_case {
	uint64_t addr;
	const char *name; /* NULL: no symbol */
	uint64_t offset;
};

static const struct lookup_case lookup_cases[] = {
	{ 0, NULL, 0 },
	{ 0xfff, NULL, 0 },
	{ 0x1000, "start", 0 },
	{ 0x100f, "start", 0xf },
	{ 0x1010, NULL, 0 },          /* past start's known size */
	{ 0x1fff, NULL, 0 },
	{ 0x2000, "kmain", 0 },       /* the last of equal addresses */
	{ 0x2fff, "kmain", 0xfff },   /* size 0 reaches the next symbol */
	{ 0x3000, "panic", 0 },
	{ 0x30ff, "panic", 0xff },
	{ 0x3100, NULL, 0 },
	{ 0x4000, "tail", 0 },
	{ UINT64_MAX, "tail", UINT64_MAX - 0x4000 },
};

static void test_lookup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]);
	     i++) {
		const struct lookup_case *c = &lookup_cases[i];
		uint64_t off = 0xdead;
		const char *name = ksym_lookup(&table, c->addr, &off);

		if (c->name == NULL) {
			assert_null(name);
			assert_int_equal(off, 0xdead); /* untouched on a miss */
		} else {
			assert_non_null(name);
			assert_string_equal(name, c->name);
			assert_int_equal(off, c->offset);
		}
	}
	assert_string_equal(ksym_lookup(&table, 0x2001, NULL), "kmain");
}

/* Empty tables, missing pointers, bad name offsets: NULL, no stray reads. */
static void test_damaged_tables(void **state)
{
	/* Exactly sized heap copies, so ASan sees any read past the end. */
	char *blob = malloc(10);
	struct ksym *one = malloc(sizeof(*one));
	struct ksym_table t;
	uint64_t off;

	(void)state;
	memcpy(blob, "abc\0defghi", 10); /* "defghi" has no NUL */
	*one = (struct ksym){ 0x1000, 0, 0 };

	t = (struct ksym_table){ one, 0, blob, 10 };
	assert_null(ksym_lookup(&t, 0x1000, &off));
	t = (struct ksym_table){ NULL, 1, blob, 10 };
	assert_null(ksym_lookup(&t, 0x1000, &off));
	t = (struct ksym_table){ one, 1, NULL, 10 };
	assert_null(ksym_lookup(&t, 0x1000, &off));
	assert_null(ksym_lookup(NULL, 0x1000, &off));

	t = (struct ksym_table){ one, 1, blob, 10 };
	assert_string_equal(ksym_lookup(&t, 0x1000, &off), "abc");
	one->name_off = 4; /* runs off the end of the blob */
	assert_null(ksym_lookup(&t, 0x1000, &off));
	one->name_off = 10;
	assert_null(ksym_lookup(&t, 0x1000, &off));
	one->name_off = UINT32_MAX;
	assert_null(ksym_lookup(&t, 0x1000, &off));
	t.names_size = 0;
	one->name_off = 0;
	assert_null(ksym_lookup(&t, 0x1000, &off));
	free(blob);
	free(one);
}

/* A large sorted table: every symbol's first and last byte finds it. */
static void test_many(void **state)
{
	enum { N = 1000 };
	struct ksym *s = malloc(N * sizeof(*s));
	char *blob = malloc(N * 8);
	struct ksym_table t = { s, N, blob, N * 8 };

	(void)state;
	for (int i = 0; i < N; i++) {
		s[i] = (struct ksym){ 0x100000 + (uint64_t)i * 0x40,
				      (uint32_t)(i % 2 ? 0x20 : 0),
				      (uint32_t)i * 8 };
		memcpy(blob + i * 8, "sym", 3);
		blob[i * 8 + 3] = (char)('0' + i / 100);
		blob[i * 8 + 4] = (char)('0' + i / 10 % 10);
		blob[i * 8 + 5] = (char)('0' + i % 10);
		blob[i * 8 + 6] = '\0';
	}
	for (int i = 0; i < N; i++) {
		uint64_t off;
		const char *name = ksym_lookup(&t, s[i].addr + 0x1f, &off);

		assert_ptr_equal(name, blob + i * 8);
		assert_int_equal(off, 0x1f);
		name = ksym_lookup(&t, s[i].addr + 0x3f, &off);
		if (i % 2)
			assert_null(name);
		else
			assert_ptr_equal(name, blob + i * 8);
	}
	free(s);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_damaged_tables),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
