/*
 * Tests for kernel/lib/fmt.c: every format in the table must give exactly
 * what the host's snprintf gives, at every buffer size; the few documented
 * differences (%p of NULL, %s of NULL, unknown conversions) have their own
 * expected strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <carapace/fmt.h>

typedef int (*snprintf_fn)(char *, size_t, const char *, ...);

/* The argument list a format takes, so one table can hold them all. */
enum shape {
	NONE, INT, UINT, LONG, ULONG, LLONG, ULLONG, SIZE, PTRDIFF, INTMAX,
	STR, CHAR, PTR, INT_INT, INT_INT_INT, INT_STR, INT_INT_STR, STR_INT_STR,
};

struct fmt_case {
	const char *fmt;
	enum shape shape;
	long long a, b, c;
	const char *s;
};

static const struct fmt_case host_cases[] = {
	{ "plain text", NONE, 0, 0, 0, NULL },
	{ "", NONE, 0, 0, 0, NULL },
	{ "100%%", NONE, 0, 0, 0, NULL },
	{ "%d", INT, 0, 0, 0, NULL },
	{ "%d", INT, 42, 0, 0, NULL },
	{ "%d", INT, -42, 0, 0, NULL },
	{ "%d", INT, INT32_MIN, 0, 0, NULL },
	{ "%i", INT, INT32_MAX, 0, 0, NULL },
	{ "%u", UINT, UINT32_MAX, 0, 0, NULL },
	{ "%lld", LLONG, INT64_MIN, 0, 0, NULL },
	{ "%lld", LLONG, INT64_MAX, 0, 0, NULL },
	{ "%llu", ULLONG, -1, 0, 0, NULL },
	{ "%ld", LONG, INT64_MIN, 0, 0, NULL },
	{ "%lx", ULONG, -1, 0, 0, NULL },
	{ "%jd", INTMAX, INT64_MIN, 0, 0, NULL },
	{ "%zu", SIZE, -1, 0, 0, NULL },
	{ "%zx", SIZE, 0x1234, 0, 0, NULL },
	{ "%td", PTRDIFF, -7, 0, 0, NULL },
	{ "%hhd", INT, 200, 0, 0, NULL },
	{ "%hhu", INT, -1, 0, 0, NULL },
	{ "%hd", INT, 40000, 0, 0, NULL },
	{ "%hu", INT, -1, 0, 0, NULL },
	{ "%x", UINT, 0xdeadbeef, 0, 0, NULL },
	{ "%X", UINT, 0xdeadbeef, 0, 0, NULL },
	{ "%o", UINT, 8, 0, 0, NULL },
	{ "%#x", UINT, 255, 0, 0, NULL },
	{ "%#X", UINT, 255, 0, 0, NULL },
	{ "%#x", UINT, 0, 0, 0, NULL },
	{ "%#o", UINT, 8, 0, 0, NULL },
	{ "%#o", UINT, 0, 0, 0, NULL },
	{ "%#.0o", UINT, 0, 0, 0, NULL },
	{ "%#.3o", UINT, 8, 0, 0, NULL },
	{ "%#10x", UINT, 255, 0, 0, NULL },
	{ "%#010x", UINT, 255, 0, 0, NULL },
	{ "%#-10x|", UINT, 255, 0, 0, NULL },
	{ "%5d", INT, 42, 0, 0, NULL },
	{ "%-5d|", INT, 42, 0, 0, NULL },
	{ "%05d", INT, 42, 0, 0, NULL },
	{ "%05d", INT, -42, 0, 0, NULL },
	{ "%-05d|", INT, -42, 0, 0, NULL },
	{ "%+d", INT, 42, 0, 0, NULL },
	{ "%+d", INT, -42, 0, 0, NULL },
	{ "%+d", INT, 0, 0, 0, NULL },
	{ "% d", INT, 42, 0, 0, NULL },
	{ "%+ d", INT, 42, 0, 0, NULL },
	{ "%+05d", INT, 42, 0, 0, NULL },
	{ "%+u", UINT, 42, 0, 0, NULL },
	{ "%.5d", INT, 42, 0, 0, NULL },
	{ "%.5d", INT, -42, 0, 0, NULL },
	{ "%8.5d", INT, -42, 0, 0, NULL },
	{ "%08.5d", INT, 42, 0, 0, NULL },
	{ "%.0d", INT, 0, 0, 0, NULL },
	{ "%5.0d|", INT, 0, 0, 0, NULL },
	{ "%.d", INT, 0, 0, 0, NULL },
	{ "%.0x", UINT, 0, 0, 0, NULL },
	{ "%.3x", UINT, 0xa, 0, 0, NULL },
	{ "%30lld", LLONG, INT64_MIN, 0, 0, NULL },
	{ "%-30lld|", LLONG, INT64_MIN, 0, 0, NULL },
	{ "%030lld", LLONG, INT64_MIN, 0, 0, NULL },
	{ "%.25lld", LLONG, INT64_MIN, 0, 0, NULL },
	{ "%*d", INT_INT, 6, 42, 0, NULL },
	{ "%*d|", INT_INT, -6, 42, 0, NULL },
	{ "%.*d", INT_INT, 4, 42, 0, NULL },
	{ "%.*d", INT_INT, -4, 42, 0, NULL },
	{ "%0*d", INT_INT, 6, -42, 0, NULL },
	{ "%*.*d", INT_INT_INT, 8, 4, 42, NULL },
	{ "%s", STR, 0, 0, 0, "hello" },
	{ "%s", STR, 0, 0, 0, "" },
	{ "%10s|", STR, 0, 0, 0, "hello" },
	{ "%-10s|", STR, 0, 0, 0, "hello" },
	{ "%.3s", STR, 0, 0, 0, "hello" },
	{ "%.0s|", STR, 0, 0, 0, "hello" },
	{ "%.10s", STR, 0, 0, 0, "hello" },
	{ "%8.3s|", STR, 0, 0, 0, "hello" },
	{ "%-8.3s|", STR, 0, 0, 0, "hello" },
	{ "%05s", STR, 0, 0, 0, "ab" },
	{ "%*s|", INT_STR, -7, 0, 0, "ab" },
	{ "%.*s|", INT_STR, 2, 0, 0, "abc" },
	{ "%*.*s|", INT_INT_STR, 5, 1, 0, "abc" },
	{ "%s=%d (%s)", STR_INT_STR, 0, 7, 0, "key" },
	{ "%c", CHAR, 'x', 0, 0, NULL },
	{ "%3c|", CHAR, 'x', 0, 0, NULL },
	{ "%-3c|", CHAR, 'x', 0, 0, NULL },
	{ "%p", PTR, 0x1000, 0, 0, NULL },
	{ "%18p|", PTR, 0xffff800000001000, 0, 0, NULL },
	{ "%-18p|", PTR, 0x1000, 0, 0, NULL },
};

/* Calls f with the arguments the case's shape says its format takes. */
static int call(snprintf_fn f, char *buf, size_t size, const struct fmt_case *c)
{
	switch (c->shape) {
	case NONE:    return f(buf, size, c->fmt);
	case INT:     return f(buf, size, c->fmt, (int)c->a);
	case UINT:    return f(buf, size, c->fmt, (unsigned)c->a);
	case LONG:    return f(buf, size, c->fmt, (long)c->a);
	case ULONG:   return f(buf, size, c->fmt, (unsigned long)c->a);
	case LLONG:   return f(buf, size, c->fmt, c->a);
	case ULLONG:  return f(buf, size, c->fmt, (unsigned long long)c->a);
	case SIZE:    return f(buf, size, c->fmt, (size_t)c->a);
	case PTRDIFF: return f(buf, size, c->fmt, (ptrdiff_t)c->a);
	case INTMAX:  return f(buf, size, c->fmt, (intmax_t)c->a);
	case STR:     return f(buf, size, c->fmt, c->s);
	case CHAR:    return f(buf, size, c->fmt, (int)c->a);
	case PTR:     return f(buf, size, c->fmt, (void *)(uintptr_t)c->a);
	case INT_INT: return f(buf, size, c->fmt, (int)c->a, (int)c->b);
	case INT_INT_INT:
		return f(buf, size, c->fmt, (int)c->a, (int)c->b, (int)c->c);
	case INT_STR: return f(buf, size, c->fmt, (int)c->a, c->s);
	case INT_INT_STR:
		return f(buf, size, c->fmt, (int)c->a, (int)c->b, c->s);
	case STR_INT_STR:
		return f(buf, size, c->fmt, c->s, (int)c->b, c->s);
	}
	return -1;
}

/* Same text and count as the host, and truncation right at every size. */
static void test_matches_host(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		const struct fmt_case *c = &host_cases[i];
		char want[128], got[128];
		int nwant = call(snprintf, want, sizeof(want), c);
		int ngot = call(fmt_snprintf, got, sizeof(got), c);

		if (ngot != nwant || strcmp(got, want) != 0)
			fail_msg("case %zu \"%s\": got %d \"%s\", host %d \"%s\"",
				 i, c->fmt, ngot, got, nwant, want);
		for (size_t size = 0; size <= (size_t)nwant + 1; size++) {
			char small[128];

			memset(small, '#', sizeof(small));
			assert_int_equal(call(fmt_snprintf, small, size, c), nwant);
			if (size > 0) {
				assert_memory_equal(small, want, size - 1);
				assert_int_equal(small[size - 1 < (size_t)nwant ?
						       size - 1 : (size_t)nwant], '\0');
			}
			assert_int_equal(small[size], '#'); /* nothing past size */
		}
	}
}

/* Where the kernel's choice differs from glibc or C leaves room. */
static void test_documented_choices(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%p", NULL), 3);
	assert_string_equal(buf, "0x0");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%5p|", NULL), 6);
	assert_string_equal(buf, "  0x0|");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%s", (char *)NULL), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "%.3s",
				      (char *)NULL), 3);
	assert_string_equal(buf, "(nu");
	/* As glibc: flags and width on %% are ignored (C leaves it undefined). */
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "[%-5%]"), 3);
	assert_string_equal(buf, "[%]");
}

struct literal_case {
	const char *fmt;
	const char *want;
};

/*
 * An unknown or malformed conversion is printed as written together with
 * the rest of the format, and no argument is read from there on (the tests
 * pass none, so ASan/UBSan would notice a read).
 */
static const struct literal_case literal_cases[] = {
	{ "%y", "%y" },
	{ "a %y b %d c", "a %y b %d c" },
	{ "%", "%" },
	{ "abc %", "abc %" },
	{ "%-5", "%-5" },
	{ "%ls", "%ls" },
	{ "%lc", "%lc" },
	{ "%hp", "%hp" },
	{ "%Lf", "%Lf" },
	{ "%f", "%f" },
	{ "%n", "%n" },
	{ "%qd", "%qd" },
	{ "%l%", "%l%" },
	{ "%*%", "%*%" },
	{ "%99999999999d", "%99999999999d" },
	{ "%.99999999999d", "%.99999999999d" },
};

static void test_unknown_is_literal(void **state)
{
	snprintf_fn unchecked = fmt_snprintf; /* no compile-time format check */
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(literal_cases) / sizeof(literal_cases[0]);
	     i++) {
		const struct literal_case *c = &literal_cases[i];
		int n = unchecked(buf, sizeof(buf), c->fmt);

		assert_string_equal(buf, c->want);
		assert_int_equal(n, (int)strlen(c->want));
	}
	/* Conversions before the bad one still use their arguments. */
	assert_int_equal(unchecked(buf, sizeof(buf), "%d %y %d", 5), 7);
	assert_string_equal(buf, "5 %y %d");
}

/* size 0 writes nothing (buf may be NULL) and still returns the length. */
static void test_size_zero(void **state)
{
	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "%s-%d", "abc", 12345), 9);
}

struct collect {
	char text[64];
	size_t len;
	int calls;
};

static void collect_sink(void *ctx, const char *s, size_t n)
{
	struct collect *c = ctx;

	assert_true(c->len + n < sizeof(c->text));
	memcpy(c->text + c->len, s, n);
	c->len += n;
	c->text[c->len] = '\0';
	c->calls++;
}

/* The sink sees every character once and never an empty piece. */
static void test_format_sink(void **state)
{
	struct collect c = { .len = 0 };
	int n;

	(void)state;
	n = fmt_format(collect_sink, &c, "[%-40s]%x", "wide", 0xabcu);
	assert_int_equal(n, 45);
	assert_int_equal((int)c.len, n);
	assert_string_equal(c.text, "[wide                                    ]abc");
}

/* Padding wider than any internal buffer still comes out exact. */
static void test_wide_fields(void **state)
{
	char want[600], got[600];

	(void)state;
	for (int w = 0; w < 520; w += 13) {
		int nwant = snprintf(want, sizeof(want), "%0*lld|%*s|%-*x|", w,
				     (long long)INT64_MIN, w, "s", w, 7u);
		int ngot = fmt_snprintf(got, sizeof(got), "%0*lld|%*s|%-*x|", w,
					(long long)INT64_MIN, w, "s", w, 7u);

		assert_int_equal(ngot, nwant);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_host),
		cmocka_unit_test(test_documented_choices),
		cmocka_unit_test(test_unknown_is_literal),
		cmocka_unit_test(test_size_zero),
		cmocka_unit_test(test_format_sink),
		cmocka_unit_test(test_wide_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
