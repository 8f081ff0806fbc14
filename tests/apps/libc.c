/*
 * libc: a tour of musl as applications use it, with output that depends
 * only on the inputs (the differential test compares it with the host's):
 * the printf and scanf families, strtod, libm, setjmp/longjmp, qsort and
 * bsearch, nanosleep and the monotonic clock. Exit status: the number of
 * checks that failed.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failed;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	failed += !ok;
}

static void formatted_output(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "[%5d|%-5s|%08.3f|%x|%o|%e|%g|%c|%%|%lld]", 42, "ab",
		 3.14159, 255u, 8u, 12345.678, 0.0001, 'z', -9000000000ll);
	printf("printf: %s\n", buf);
	check(strcmp(buf, "[   42|ab   |0003.142|ff|10|1.234568e+04|0.0001|z|%|-9000000000]") == 0,
	      "snprintf conversions");
	check(snprintf(NULL, 0, "%s-%d", "abc", 12345) == 9, "snprintf length without a buffer");
}

static void formatted_input(void)
{
	int i = 0, n = 0;
	double d = 0;
	char word[16] = "";
	unsigned x = 0;

	n = sscanf("17 2.5e3 carapace 0x1f", "%d %lf %15s %x", &i, &d, word, &x);
	printf("scanf: %d fields: %d %.1f %s %u\n", n, i, d, word, x);
	check(n == 4 && i == 17 && d == 2500.0 && strcmp(word, "carapace") == 0 && x == 31,
	      "sscanf fields");
}

static void string_to_number(void)
{
	char *end;
	double d = strtod("  -1.5e-3xyz", &end);
	long l;

	printf("strtod: %.6g rest '%s'\n", d, end);
	check(d == -1.5e-3 && strcmp(end, "xyz") == 0, "strtod value and end");
	check(strtod("inf", NULL) == INFINITY && isnan(strtod("nan", NULL)), "strtod inf and nan");
	errno = 0;
	l = strtol("99999999999999999999", NULL, 10);
	check(l == __LONG_MAX__ && errno == ERANGE, "strtol overflow gives ERANGE");
	check(strtoul("zz", NULL, 36) == 35 * 36 + 35, "strtoul base 36");
}

static void maths(void)
{
	printf("libm: sqrt(2)=%.10f sin(1)=%.10f exp(1)=%.10f log(10)=%.10f pow(2,0.5)=%.10f\n",
	       sqrt(2.0), sin(1.0), exp(1.0), log(10.0), pow(2.0, 0.5));
	check(fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-15, "sqrt");
	check(fabs(sin(M_PI / 6) - 0.5) < 1e-15 && fabs(cos(0.0) - 1.0) < 1e-15, "sin and cos");
	check(fabs(atan2(1.0, 1.0) - M_PI / 4) < 1e-15, "atan2");
	check(floor(-2.5) == -3.0 && ceil(-2.5) == -2.0 && round(2.5) == 3.0, "rounding");
	check(fabs(cbrt(27.0) - 3.0) < 1e-15 && fabs(hypot(3.0, 4.0) - 5.0) < 1e-15, "cbrt and hypot");
}

static jmp_buf jump;
static int depth;

static void dive(int n)
{
	depth = n;
	if (n == 10)
		longjmp(jump, n);
	dive(n + 1);
}

static void non_local_jump(void)
{
	volatile int rounds = 0;
	int v = setjmp(jump);

	if (v == 0) {
		rounds++;
		dive(1);
	}
	printf("setjmp: returned %d after %d call(s), depth %d\n", v, rounds, depth);
	check(v == 10 && rounds == 1 && depth == 10, "longjmp out of a recursion");
}

static int by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void sort_and_search(void)
{
	int v[1000], sorted = 1, key = 4242, *found;
	unsigned seed = 12345;

	for (int i = 0; i < 1000; i++) {
		seed = seed * 1103515245u + 12345u;
		v[i] = (int)(seed >> 16) % 10000;
	}
	v[500] = key;
	qsort(v, 1000, sizeof(v[0]), by_value);
	for (int i = 1; i < 1000; i++)
		sorted &= v[i - 1] <= v[i];
	found = bsearch(&key, v, 1000, sizeof(v[0]), by_value);
	printf("qsort: first %d last %d, bsearch found %d\n", v[0], v[999], found ? *found : -1);
	check(sorted && found && *found == key, "qsort order and bsearch");
}

static void sleeping(void)
{
	struct timespec before, after, pause = { 0, 20 * 1000 * 1000 };
	long ns;

	clock_gettime(CLOCK_MONOTONIC, &before);
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC, &after);
	ns = (after.tv_sec - before.tv_sec) * 1000000000l + (after.tv_nsec - before.tv_nsec);
	check(ns >= 20 * 1000 * 1000, "nanosleep(20 ms) sleeps at least 20 ms (monotonic clock)");
}

int main(void)
{
	formatted_output();
	formatted_input();
	string_to_number();
	maths();
	non_local_jump();
	sort_and_search();
	sleeping();
	printf("libc: %d failed\n", failed);
	return failed;
}
