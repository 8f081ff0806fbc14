/*
 * Fuzzes fmt_snprintf with formats taken from the input. The harness reads
 * each conversion itself (independently of fmt.c) to know what arguments it
 * takes, so every call passes arguments of exactly the right types:
 *
 *   - each conversion alone, with typed arguments, compared with the host's
 *     snprintf where C defines the result;
 *   - the whole format, when all its conversions take int or unsigned int;
 *   - any format from an unknown conversion on, with no arguments at all,
 *     which must come out literally;
 *   - every output again into a short buffer: same count, same prefix.
 *
 * Input: byte 0 picks the short buffer size, bytes 1..8 seed the argument
 * values, the rest is the format. Widths and precisions over 3 digits are
 * skipped so that a run stays fast.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/fmt.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define MAX_INT_ARGS 8

/* One conversion as the harness reads it. */
struct conv {
	const char *start;  /* the '%' */
	size_t len;         /* through the conversion letter */
	char flags[8];      /* as written, NUL-terminated (deduplicated) */
	int stars;          /* '*' count: width and/or precision */
	char length[3];     /* "", "hh", "h", "l", "ll", "z", "t", "j", ... */
	char letter;
	bool supported;     /* does fmt.c promise to handle it */
	bool too_wide;      /* a width or precision over 3 digits */
};

static bool has_flag(const struct conv *c, char f)
{
	return strchr(c->flags, f) != NULL;
}

/* Reads the conversion at p (a '%'); never reads past the format's NUL. */
static struct conv read_conv(const char *p)
{
	struct conv c;
	const char *q = p + 1;
	size_t nflags = 0;

	memset(&c, 0, sizeof(c));
	c.start = p;
	while (*q != '\0' && strchr("-0+ #", *q) != NULL) {
		if (!strchr(c.flags, *q) && nflags < sizeof(c.flags) - 1)
			c.flags[nflags++] = *q;
		q++;
	}
	for (int part = 0; part < 2; part++) {
		if (part == 1) {
			if (*q != '.')
				break;
			q++;
		}
		if (*q == '*') {
			c.stars++;
			q++;
			continue;
		}
		size_t digits = 0;
		while (*q >= '0' && *q <= '9') {
			digits++;
			q++;
		}
		if (digits > 3)
			c.too_wide = true;
	}
	static const char *const lengths[] = { "hh", "h", "ll", "l", "z", "t",
					       "j", "L", "q" };
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		size_t n = strlen(lengths[i]);

		if (strncmp(q, lengths[i], n) == 0) {
			memcpy(c.length, lengths[i], n);
			q += n;
			break;
		}
	}
	c.letter = *q;
	c.len = (size_t)(q - p) + (*q != '\0');
	if (*q == '\0')
		return c;
	if (strchr("diuxXo", c.letter))
		c.supported = strcmp(c.length, "L") != 0 &&
			      strcmp(c.length, "q") != 0;
	else if (strchr("csp", c.letter))
		c.supported = c.length[0] == '\0';
	else if (c.letter == '%')
		c.supported = c.length[0] == '\0' && c.stars == 0;
	return c;
}

/* Where C and glibc agree on the result, so the host is the reference. */
static bool comparable(const struct conv *c)
{
	if (c->letter == 'p' || c->letter == '%')
		return false;
	if (has_flag(c, '#') && strchr("diucs", c->letter))
		return false;
	if (has_flag(c, '0') && strchr("cs", c->letter))
		return false;
	return true;
}

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

/* Mostly edge values, sometimes anything. */
static int64_t pick_value(struct rng *r)
{
	static const int64_t edges[] = {
		0, 1, -1, 7, 8, 10, 16, 255, 256, -128, 32767, -32768, 65535,
		INT32_MAX, INT32_MIN, UINT32_MAX, INT64_MAX, INT64_MIN,
	};
	uint64_t x = next(r);

	if (x % 4 == 0)
		return (int64_t)next(r);
	return edges[(x >> 8) % (sizeof(edges) / sizeof(edges[0]))];
}

static int pick_star(struct rng *r)
{
	return (int)(next(r) % 81) - 40;
}

typedef int (*snprintf_fn)(char *, size_t, const char *, ...);

/*
 * Calls f on one conversion with the argument types its length and letter
 * call for; w and p are the '*' values (only the first stars are passed).
 */
static int call_one(snprintf_fn f, char *buf, size_t size, const char *spec,
		    const struct conv *c, int w, int p, int64_t v, const char *s)
{
#define CALL(arg) (c->stars == 0 ? f(buf, size, spec, arg) : \
		   c->stars == 1 ? f(buf, size, spec, w, arg) : \
				   f(buf, size, spec, w, p, arg))
	bool is_signed = c->letter == 'd' || c->letter == 'i';

	switch (c->letter) {
	case 's': return CALL(s);
	case 'c': return CALL((int)v);
	case 'p': return CALL((void *)(uintptr_t)v);
	case '%': return f(buf, size, spec);
	}
	if (strcmp(c->length, "l") == 0)
		return is_signed ? CALL((long)v) : CALL((unsigned long)v);
	if (strcmp(c->length, "ll") == 0)
		return is_signed ? CALL((long long)v) : CALL((unsigned long long)v);
	if (strcmp(c->length, "z") == 0)
		return CALL((size_t)v);
	if (strcmp(c->length, "t") == 0)
		return CALL((ptrdiff_t)v);
	if (strcmp(c->length, "j") == 0)
		return is_signed ? CALL((intmax_t)v) : CALL((uintmax_t)v);
	return is_signed ? CALL((int)v) : CALL((unsigned int)v);
#undef CALL
}

/* The same call into a buffer of size k: same count, a prefix, a NUL. */
static void check_truncated(const char *full, int n, size_t k, int got,
			    const char *small)
{
	size_t keep;

	CHECK(got == n);
	if (k == 0)
		return;
	keep = (size_t)n < k - 1 ? (size_t)n : k - 1;
	CHECK(memcmp(small, full, keep) == 0 && small[keep] == '\0');
}

static void fuzz_one_conv(const struct conv *c, struct rng *r, size_t k)
{
	static const char *const strings[] = { "", "x", "hello", "(null)",
					       "a somewhat longer string" };
	char spec[64], got[1200], want[1200], small[1200];
	int w = pick_star(r), p = pick_star(r);
	int64_t v = pick_value(r);
	const char *s = strings[next(r) % 5];
	int n, m;

	if (c->len >= sizeof(spec))
		return;
	memcpy(spec, c->start, c->len);
	spec[c->len] = '\0';
	n = call_one(fmt_snprintf, got, sizeof(got), spec, c, w, p, v, s);
	CHECK(n >= 0 && (size_t)n < sizeof(got) && got[n] == '\0');
	if (comparable(c)) {
		m = call_one(snprintf, want, sizeof(want), spec, c, w, p, v, s);
		CHECK(m == n && strcmp(got, want) == 0);
	}
	if (c->letter == 'p' && !has_flag(c, '-') && c->stars == 0 &&
	    strchr(spec, '.') == NULL)
		CHECK(strstr(got, "0x") != NULL);
	k %= sizeof(small);
	check_truncated(got, n,
			k, call_one(fmt_snprintf, small, k, spec, c, w, p, v, s),
			small);
}

/* Calls f on the whole format with eight int-sized arguments. */
static int call_ints(snprintf_fn f, char *buf, size_t size, const char *fmt,
		     const int64_t *a)
{
	return f(buf, size, fmt, (int)a[0], (int)a[1], (int)a[2], (int)a[3],
		 (int)a[4], (int)a[5], (int)a[6], (int)a[7]);
}

/*
 * The whole format at once, when every argument is an int or unsigned int:
 * unsigned slots get values that fit both types, as C requires.
 */
static void fuzz_whole(const char *fmt, const struct conv *convs, int nconv,
		       bool comparable_all, struct rng *r, size_t k)
{
	int64_t args[MAX_INT_ARGS];
	int nargs = 0;
	char *got, *want, *small;
	int n;

	for (int i = 0; i < nconv; i++) {
		const struct conv *c = &convs[i];
		bool unsig = strchr("uxXo", c->letter) != NULL;

		for (int s = 0; s < c->stars; s++)
			args[nargs++] = pick_star(r);
		if (c->letter == '%')
			continue;
		args[nargs] = pick_value(r) & (unsig ? INT32_MAX : UINT32_MAX);
		args[nargs] = (int32_t)(uint32_t)args[nargs];
		nargs++;
	}
	while (nargs < MAX_INT_ARGS)
		args[nargs++] = 0;

	n = call_ints(fmt_snprintf, NULL, 0, fmt, args);
	CHECK(n >= 0);
	got = malloc((size_t)n + 1);
	want = malloc((size_t)n + 1);
	small = malloc(k + 1);
	CHECK(call_ints(fmt_snprintf, got, (size_t)n + 1, fmt, args) == n);
	CHECK(got[n] == '\0');
	if (comparable_all) {
		CHECK(call_ints(snprintf, want, (size_t)n + 1, fmt, args) == n);
		CHECK(strcmp(got, want) == 0);
	}
	check_truncated(got, n, k, call_ints(fmt_snprintf, small, k, fmt, args),
			small);
	free(got);
	free(want);
	free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conv convs[64];
	int nconv = 0, int_args = 0;
	bool ints_only = true, comparable_all = true;
	struct rng r = { 0x853c49e6748fea9bull };
	char *fmt;
	size_t k;

	if (size < 9)
		return 0;
	k = data[0];
	for (int i = 1; i < 9; i++)
		r.s = r.s * 131 + data[i];
	r.s |= 1;
	fmt = malloc(size - 9 + 1);
	memcpy(fmt, data + 9, size - 9);
	fmt[size - 9] = '\0';

	for (const char *p = strchr(fmt, '%'); p != NULL;
	     p = strchr(p, '%')) {
		struct conv c = read_conv(p);

		if (c.too_wide)
			goto out;
		if (!c.supported) {
			/* From here on, all literal, and no argument is read. */
			snprintf_fn unchecked = fmt_snprintf;
			size_t len = strlen(p);
			char *lit = malloc(len + 1);

			CHECK(unchecked(lit, len + 1, p) == (int)len);
			CHECK(strcmp(lit, p) == 0);
			free(lit);
			comparable_all = false; /* the host might read args */
			break;
		}
		fuzz_one_conv(&c, &r, k);
		if (nconv < 64)
			convs[nconv++] = c;
		else
			ints_only = false;
		int_args += c.stars + (c.letter != '%');
		if (!strchr("diuxXoc%", c.letter) || c.length[0] != '\0')
			ints_only = false;
		if (!comparable(&c))
			comparable_all = comparable_all && c.letter == '%' &&
					 c.len == 2;
		p += c.len;
	}
	if (ints_only && int_args <= MAX_INT_ARGS)
		fuzz_whole(fmt, convs, nconv, comparable_all, &r, k);
out:
	free(fmt);
	return 0;
}
