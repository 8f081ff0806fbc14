/*
 * Tests for libc/fortify, on the host against glibc: every __*_chk
 * function called exactly at its bound must return, and one past it must
 * fail naming itself (fortify_calls.c holds the calls, two tests each).
 * Then the %n scanner on its own, and __chk_fail.
 *
 * The two hooks the checks call are replaced here: the failure hook
 * records the function's name and jumps back to the test; the writable
 * hook answers what the test says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fortify.h"
#include "fortify_calls.h"

void __chk_fail(void);

int fortify_writable_answer;
static jmp_buf fail_jump;
static const char *failed;

void __carapace_fortify_fail(const char *function)
{
	failed = function;
	longjmp(fail_jump, 1);
}

int __carapace_fortify_writable(const void *p)
{
	(void)p;
	return fortify_writable_answer;
}

/* Runs one call; returns the name of the function that failed, or NULL. */
static const char *run_call(void (*call)(int), int over)
{
	FILE *out = stdout, *in = stdin;

	failed = NULL;
	fortify_writable_answer = 0;
	if (setjmp(fail_jump) == 0)
		call(over);
	stdout = out; /* some calls point these elsewhere */
	stdin = in;
	return failed;
}

static void at_bound(void **state)
{
	const struct fortify_case *c = *state;

	assert_null(run_call(c->call, 0));
}

static void past_bound(void **state)
{
	const struct fortify_case *c = *state;
	const char *name = run_call(c->call, 1);

	assert_non_null(name);
	assert_string_equal(name, c->function);
}

/* The %n scanner: which formats in writable memory are refused. */
static const struct {
	const char *format;
	int refused;
} formats[] = {
	{ "%n", 1 },	     { "%%n", 0 },	 { "%d %n", 1 }, { "%5$hhn", 1 },
	{ "%-08.3ln", 1 },   { "%zn", 1 },	 { "n%%%n", 1 }, { "100%", 0 },
	{ "%s and n", 0 },   { "%%%%n", 0 },	 { "", 0 },	 { "%'*.*jn", 1 },
};


static int refused(int flag, const void *format, size_t unit, int writable)
{
	failed = NULL;
	if (setjmp(fail_jump) == 0) {
		fortify_writable_answer = writable;
		__carapace_fortify_format("scan", flag, format, unit);
	}
	return failed != NULL;
}

static void test_formats(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (refused(1, formats[i].format, 1, 1) != formats[i].refused)
			fail_msg("format \"%s\": expected %s", formats[i].format,
				 formats[i].refused ? "refused" : "allowed");
		assert_false(refused(1, formats[i].format, 1, 0)); /* read-only: the program's own */
		assert_false(refused(0, formats[i].format, 1, 1)); /* level 1: no %n rule */
	}
	assert_true(refused(1, L"%ls%n", sizeof(wchar_t), 1));
	assert_false(refused(1, L"%%n", sizeof(wchar_t), 1));
	assert_false(refused(1, NULL, 1, 1));
}

static void test_chk_fail(void **state)
{
	(void)state;
	failed = NULL;
	if (setjmp(fail_jump) == 0)
		__chk_fail();
	assert_string_equal(failed, "__chk_fail");
}

int main(void)
{
	unsigned n = fortify_case_count, t = 0;
	struct CMUnitTest *tests = calloc(2 * n + 2, sizeof(*tests));
	char **names = calloc(2 * n, sizeof(*names));
	int result;

	for (unsigned i = 0; i < n; i++) {
		for (int over = 0; over < 2; over++, t++) {
			size_t len = strlen(fortify_cases[i].function) + 16;

			names[t] = malloc(len);
			snprintf(names[t], len, "%s %s", fortify_cases[i].function,
				 over ? "past bound" : "at bound");
			tests[t] = (struct CMUnitTest){ names[t], over ? past_bound : at_bound, NULL,
							NULL, (void *)&fortify_cases[i] };
		}
	}
	tests[t++] = (struct CMUnitTest){ "%n scanner", test_formats, NULL, NULL, NULL };
	tests[t++] = (struct CMUnitTest){ "__chk_fail", test_chk_fail, NULL, NULL, NULL };
	result = _cmocka_run_group_tests("fortify", tests, t, NULL, NULL);
	for (unsigned i = 0; i < 2 * n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return result;
}
