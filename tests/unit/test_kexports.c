/*
 * Tests for kernel/boot/kexports.c: lookups by name in a small sorted table
 * (first, last, middle, absent names between and around the entries), empty
 * and NULL tables, and a large table against a linear search.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/kexports.h>

/* Sorted in strcmp order: upper case and '_' come before lower case. */
static const struct kexport entries[] = {
	{ "Z", 0x10, 1, KEXPORT_OBJECT },
	{ "__errno_location", 0x1000, 14, KEXPORT_FUNC },
	{ "_exit", 0x1100, 9, KEXPORT_FUNC },
	{ "printf", 0x2000, 195, KEXPORT_FUNC },
	{ "printf_core", 0x2100, 900, KEXPORT_FUNC },
	{ "stdout", 0x9000, 8, KEXPORT_OBJECT },
	{ "strlen", 0x3000, 29, KEXPORT_FUNC },
};

static const struct kexport_table table = { entries, sizeof(entries) / sizeof(entries[0]) };

static void test_lookup(void **state)
{
	(void)state;
	for (size_t i = 0; i < table.count; i++)
		assert_ptr_equal(kexports_search(&table, entries[i].name), &entries[i]);
	const char *absent[] = { "", "A", "_", "__errno", "a", "print", "printf_", "printf_corf",
				 "stdou", "stdoutt", "strlen2", "zzz", "\xff" };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_null(kexports_search(&table, absent[i]));
}

static void test_empty_tables(void **state)
{
	const struct kexport_table empty = { entries, 0 }, no_entries = { NULL, 5 };

	(void)state;
	assert_null(kexports_search(NULL, "printf"));
	assert_null(kexports_search(&empty, "Z"));
	assert_null(kexports_search(&no_entries, "Z"));
	assert_null(kexports_search(&table, NULL));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kexport *)a)->name, ((const struct kexport *)b)->name);
}

/* 1999 names: every one found, and each with a suffix found nowhere. */
static void test_many(void **state)
{
	enum { N = 1999 };
	struct kexport *e = calloc(N, sizeof(*e));
	char (*names)[16] = calloc(N, sizeof(*names));
	struct kexport_table t = { e, N };
	char probe[20];

	(void)state;
	assert_non_null(e);
	assert_non_null(names);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "sym%d", (i * 7919) % N);
		e[i] = (struct kexport){ names[i], (uint64_t)i, 0, KEXPORT_FUNC };
	}
	qsort(e, N, sizeof(*e), by_name);
	for (int i = 0; i < N; i++) {
		assert_ptr_equal(kexports_search(&t, e[i].name), &e[i]);
		snprintf(probe, sizeof(probe), "%s~", e[i].name);
		assert_null(kexports_search(&t, probe));
	}
	free(e);
	free(names);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_empty_tables),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
