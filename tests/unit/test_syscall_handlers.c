/*
 * Tests for the kernel/syscall handlers that need no other subsystem, called
 * through syscall_dispatch: ids, uname, CPU affinity, getrandom, the clocks
 * and the sleeps, sysinfo and resource limits.
 */
#include "syscall_fixture.h"

#include <carapace/app_copy.h>

/*
 * The kernel's app_copy fails with -EFAULT on application memory another
 * thread unmapped after the range check; this replaces the host's weak plain
 * copy so that a test can make a range "vanish" (nothing vanished: NULL).
 */
static const uint8_t *vanished;
static size_t vanished_len;

int app_copy(void *dst, const void *src, size_t n)
{
	const uint8_t *d = dst, *s = src;

	if (vanished && ((d < vanished + vanished_len && d + n > vanished) ||
			 (s < vanished + vanished_len && s + n > vanished)))
		return -EFAULT;
	memmove(dst, src, n);
	return 0;
}

static void test_ids(void **state)
{
	(void)state;
	assert_int_equal(sys(__NR_getpid, 9, 9, 9, 9, 9, 9), 1);
	assert_int_equal(sys(__NR_getppid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_gettid, 0, 0, 0, 0, 0, 0), 42);
	assert_int_equal(sys(__NR_getuid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_geteuid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_getgid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_getegid, 0, 0, 0, 0, 0, 0), 0);
	/* Root may become root again and drop its (no) supplementary groups. */
	assert_int_equal(sys(__NR_setuid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_setgid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_setuid, 1000, 0, 0, 0, 0, 0), -EPERM);
	assert_int_equal(sys(__NR_setgid, 65534, 0, 0, 0, 0, 0), -EPERM);
	assert_int_equal(sys(__NR_setgroups, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_setgroups, 1, 0, 0, 0, 0, 0), -EPERM);
	assert_int_equal(sys(__NR_setgroups, -1, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(__NR_setgroups, 65537, 0, 0, 0, 0, 0), -EINVAL);
	/* Stored, not checked: Linux writes it only when the thread exits. */
	assert_int_equal(sys(__NR_set_tid_address, 0x1234, 0, 0, 0, 0, 0), 42);
	assert_int_equal(fx.clear_tid, 0x1234);
	assert_int_equal(fx.nlines, 0);
}

static void test_uname(void **state)
{
	(void)state;
	char *u = (char *)fx.rw;

	memset(u, 'z', 391);
	assert_int_equal(sys(__NR_uname, (long)u, 0, 0, 0, 0, 0), 0);
	assert_string_equal(u, "Carapace");
	assert_string_equal(u + 65, "testhost");
	assert_true(strlen(u + 130) > 0 && strlen(u + 130) < 65);
	assert_true(strlen(u + 195) > 0 && strlen(u + 195) < 65);
	assert_string_equal(u + 260, "x86_64");
	for (int f = 0; f < 6; f++)
		assert_int_equal(u[f * 65 + 64], '\0');
	assert_int_equal((uint8_t)u[390], 'z');
	/* A node name longer than a field is cut, still terminated. */
	env.nodename = "0123456789012345678901234567890123456789012345678901234567890123456789";
	assert_int_equal(sys(__NR_uname, (long)u, 0, 0, 0, 0, 0), 0);
	assert_int_equal(strlen(u + 65), 64);
	env.nodename = NULL;
	assert_int_equal(sys(__NR_uname, (long)u, 0, 0, 0, 0, 0), 0);
	assert_string_equal(u + 65, "");
	env.nodename = "testhost";
	assert_int_equal(sys(__NR_uname, at(RO, 0), 0, 0, 0, 0, 0), -EFAULT);
}

struct affinity_case {
	unsigned cpus;
	long pid, len;
	long expect;
	uint8_t mask[16];
};

static const struct affinity_case affinity_cases[] = {
	{ 3, 0, 8, 8, { 0x07 } },
	{ 3, 1, 128, 8, { 0x07 } },
	{ 3, 42, 8, 8, { 0x07 } },
	{ 3, 0, 4, -EINVAL, { 0 } },
	{ 3, 0, 0, -EINVAL, { 0 } },
	{ 3, 0, 12, -EINVAL, { 0 } },
	{ 3, 7, 8, -ESRCH, { 0 } },
	{ 64, 0, 8, 8, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	{ 70, 0, 8, -EINVAL, { 0 } },
	{ 70, 0, 16, 16, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0x3f } },
	{ 1, 0, 0x100000008L, -EFAULT, { 0 } },
};

static void test_sched_getaffinity(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(affinity_cases) / sizeof(affinity_cases[0]); i++) {
		const struct affinity_case *c = &affinity_cases[i];

		env.cpu_count = c->cpus;
		memset(fx.rw, 0xee, 256);
		long got = sys(__NR_sched_getaffinity, c->pid, c->len,
			       (long)fx.rw, 0, 0, 0);
		assert_int_equal(got, c->expect);
		if (got > 0) {
			assert_memory_equal(fx.rw, c->mask, (size_t)got);
			assert_int_equal(fx.rw[got], 0xee);
		}
	}
}

static void test_getrandom(void **state)
{
	(void)state;
	memset(fx.rw, 0, 64);
	assert_int_equal(sys(__NR_getrandom, (long)fx.rw, 33, 0, 0, 0, 0), 33);
	assert_int_equal(fx.rw[0], 0xa5);
	assert_int_equal(fx.rw[32], 0xa5 ^ 32);
	assert_int_equal(fx.rw[33], 0);
	assert_int_equal(sys(__NR_getrandom, (long)fx.rw, 4, 7 & ~2, 0, 0, 0), 4);
	assert_int_equal(sys(__NR_getrandom, (long)fx.rw, 4, 2 | 1, 0, 0, 0), 4);
	assert_int_equal(sys(__NR_getrandom, (long)fx.rw, 4, 6, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(__NR_getrandom, (long)fx.rw, 4, 8, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(__NR_getrandom, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_getrandom, at(RO, 0), 1, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(sys(__NR_getrandom, at(RW_END, 4), 5, 0, 0, 0, 0), -EFAULT);
}

struct clock_case {
	long id;
	long expect;
	uint64_t ns; /* fx.now_ns is 5 s */
};

static const struct clock_case clock_cases[] = {
	{ 0, 0, REALTIME_BASE + 5000000000ull },
	{ 1, 0, 5000000000ull },
	{ 2, 0, 5000000007ull },
	{ 3, 0, 5000000003ull },
	{ 4, 0, 5000000000ull },
	{ 5, 0, REALTIME_BASE + 5000000000ull },
	{ 6, 0, 5000000000ull },
	{ 7, 0, 5000000000ull },
	{ 8, -EINVAL, 0 },
	{ 11, -EINVAL, 0 },
	{ 12, -EINVAL, 0 },
	{ -1, -EINVAL, 0 },
	{ -6, -EINVAL, 0 },
	{ 0x100000001L, 0, 5000000000ull }, /* clockid_t is an int */
};

static void test_clocks(void **state)
{
	(void)state;
	int64_t *ts = (int64_t *)fx.rw;

	for (size_t i = 0; i < sizeof(clock_cases) / sizeof(clock_cases[0]); i++) {
		const struct clock_case *c = &clock_cases[i];

		ts[0] = ts[1] = -1;
		assert_int_equal(sys(__NR_clock_gettime, c->id, (long)ts, 0, 0, 0, 0),
				 c->expect);
		if (c->expect == 0) {
			assert_int_equal(ts[0], c->ns / 1000000000);
			assert_int_equal(ts[1], c->ns % 1000000000);
		}
		assert_int_equal(sys(__NR_clock_getres, c->id, (long)ts, 0, 0, 0, 0),
				 c->expect);
		if (c->expect == 0) {
			assert_int_equal(ts[0], 0);
			assert_int_equal(ts[1], 1);
		}
		assert_int_equal(sys(__NR_clock_getres, c->id, 0, 0, 0, 0, 0),
				 c->expect);
	}
	assert_int_equal(sys(__NR_clock_gettime, 0, 0, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(sys(__NR_clock_gettime, 0, at(RW_END, 15), 0, 0, 0, 0),
			 -EFAULT);

	/* The sleeps (rem written only when a signal cuts one short: below). */
	ts[0] = 1;
	ts[1] = 5;
	assert_int_equal(sys(__NR_nanosleep, (long)ts, 0, 0, 0, 0, 0), 0);
	assert_int_equal(fx.slept_ns, 1000000005ull);
	ts[1] = 1000000000;
	assert_int_equal(sys(__NR_nanosleep, (long)ts, 0, 0, 0, 0, 0), -EINVAL);
	ts[0] = -1;
	ts[1] = 0;
	assert_int_equal(sys(__NR_nanosleep, (long)ts, 0, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(fx.slept_ns, 1000000005ull);
	/* An absolute deadline 2 s after the monotonic clock's now. */
	ts[0] = (int64_t)(fx.now_ns / 1000000000) + 2;
	ts[1] = (int64_t)(fx.now_ns % 1000000000);
	assert_int_equal(sys(__NR_clock_nanosleep, 1, 1, (long)ts, 0, 0, 0), 0);
	assert_int_equal(fx.slept_ns, 3000000005ull);
	/* A deadline already past sleeps not at all. */
	assert_int_equal(sys(__NR_clock_nanosleep, 1, 1, (long)ts, 0, 0, 0), 0);
	assert_int_equal(fx.slept_ns, 3000000005ull);
	ts[0] = 0;
	ts[1] = 7;
	assert_int_equal(sys(__NR_clock_nanosleep, 7, 0, (long)ts, 0, 0, 0), 0);
	assert_int_equal(fx.slept_ns, 3000000012ull);
	assert_int_equal(sys(__NR_clock_nanosleep, 2, 0, (long)ts, 0, 0, 0), -ENOTSUP);
	assert_int_equal(sys(__NR_clock_nanosleep, 3, 0, (long)ts, 0, 0, 0), -ENOTSUP);
	assert_int_equal(sys(__NR_clock_nanosleep, 11, 0, (long)ts, 0, 0, 0), -EINVAL);
	assert_int_equal(fx.slept_ns, 3000000012ull);

	/* A signal 0.25 s into a 1 s sleep: -EINTR and 0.75 s in rem. */
	ts[0] = 1;
	ts[1] = 0;
	ts[2] = ts[3] = -7;
	fx.signal_after_ns = 250000000;
	assert_int_equal(sys(__NR_nanosleep, (long)ts, (long)(ts + 2), 0, 0, 0, 0), -EINTR);
	assert_int_equal(ts[2], 0);
	assert_int_equal(ts[3], 750000000);
	fx.signal_after_ns = 250000000;
	assert_int_equal(sys(__NR_clock_nanosleep, 1, 0, (long)ts, (long)(ts + 2), 0, 0), -EINTR);
	assert_int_equal(ts[3], 750000000);
	/* No rem given, or an absolute sleep: nothing written. */
	fx.signal_after_ns = 250000000;
	assert_int_equal(sys(__NR_nanosleep, (long)ts, 0, 0, 0, 0, 0), -EINTR);
	ts[0] = (int64_t)(fx.now_ns / 1000000000) + 2;
	ts[1] = 0;
	ts[2] = ts[3] = -7;
	fx.signal_after_ns = 250000000;
	assert_int_equal(sys(__NR_clock_nanosleep, 1, 1, (long)ts, (long)(ts + 2), 0, 0), -EINTR);
	assert_int_equal(ts[2], -7);
	assert_int_equal(ts[3], -7);
}

static void test_time_of_day(void **state)
{
	(void)state;
	int64_t *tv = (int64_t *)fx.rw;
	int32_t *tz = (int32_t *)(fx.rw + 64);
	const uint64_t now = REALTIME_BASE + 5000000000ull;

	tz[0] = tz[1] = -1;
	assert_int_equal(sys(__NR_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0), 0);
	assert_int_equal(tv[0], now / 1000000000);
	assert_int_equal(tv[1], now % 1000000000 / 1000);
	assert_int_equal(tz[0], 0);
	assert_int_equal(tz[1], 0);
	assert_int_equal(sys(__NR_gettimeofday, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(sys(__NR_gettimeofday, at(RO, 0), 0, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(sys(__NR_time, 0, 0, 0, 0, 0, 0), now / 1000000000);
	tv[0] = 0;
	assert_int_equal(sys(__NR_time, (long)tv, 0, 0, 0, 0, 0), now / 1000000000);
	assert_int_equal(tv[0], now / 1000000000);
	assert_int_equal(sys(__NR_time, at(RW_END, 7), 0, 0, 0, 0, 0), -EFAULT);
}

static void test_sysinfo(void **state)
{
	(void)state;
	uint8_t *p = fx.rw;

	memset(p, 0xee, 120);
	assert_int_equal(sys(__NR_sysinfo, (long)p, 0, 0, 0, 0, 0), 0);
	int64_t uptime;
	uint64_t total, freeram;
	uint16_t procs;
	uint32_t unit;
	memcpy(&uptime, p + 0, 8);
	memcpy(&total, p + 32, 8);
	memcpy(&freeram, p + 40, 8);
	memcpy(&procs, p + 80, 2);
	memcpy(&unit, p + 104, 4);
	assert_int_equal(uptime, 5);
	assert_int_equal(total, 64u << 20);
	assert_int_equal(freeram, 24u << 20);
	assert_int_equal(procs, 1);
	assert_int_equal(unit, 1);
	assert_int_equal(p[112], 0xee);
	assert_int_equal(sys(__NR_sysinfo, at(RW_END, 111), 0, 0, 0, 0, 0), -EFAULT);
}

struct rlimit_case {
	long resource;
	long expect;
	uint64_t cur, max;
};

#define INF UINT64_MAX
static const struct rlimit_case rlimit_cases[] = {
	{ 3, 0, 8u << 20, 8u << 20 }, /* RLIMIT_STACK */
	{ 7, 0, 1024, 1024 },         /* RLIMIT_NOFILE */
	{ 0, 0, INF, INF },           /* RLIMIT_CPU */
	{ 9, 0, INF, INF },           /* RLIMIT_AS */
	{ 15, 0, INF, INF },          /* RLIMIT_RTTIME */
	{ 16, -EINVAL, 0, 0 },
	{ -1, -EINVAL, 0, 0 },
};

static void test_rlimits(void **state)
{
	(void)state;
	uint64_t *rl = (uint64_t *)fx.rw;

	for (size_t i = 0; i < sizeof(rlimit_cases) / sizeof(rlimit_cases[0]); i++) {
		const struct rlimit_case *c = &rlimit_cases[i];

		rl[0] = rl[1] = 0;
		assert_int_equal(sys(__NR_getrlimit, c->resource, (long)rl, 0, 0, 0, 0),
				 c->expect);
		assert_int_equal(rl[0], c->cur);
		assert_int_equal(rl[1], c->max);
		rl[0] = rl[1] = 0;
		assert_int_equal(sys(__NR_prlimit64, 0, c->resource, 0, (long)rl, 0, 0),
				 c->expect);
		assert_int_equal(rl[0], c->cur);
		assert_int_equal(rl[1], c->max);
	}
}

static void test_prlimit64_set(void **state)
{
	(void)state;
	uint64_t *want = (uint64_t *)fx.rw, *old = want + 2;

	assert_int_equal(sys(__NR_prlimit64, 1, 7, 0, (long)old, 0, 0), 0);
	assert_int_equal(sys(__NR_prlimit64, 2, 7, 0, (long)old, 0, 0), -ESRCH);
	assert_int_equal(sys(__NR_prlimit64, 0, 7, 0, 0, 0, 0), 0);
	want[0] = want[1] = 1024; /* its current value: accepted */
	assert_int_equal(sys(__NR_prlimit64, 0, 7, (long)want, (long)old, 0, 0), 0);
	assert_int_equal(old[0], 1024);
	want[0] = 512; /* lowering: refused, old untouched */
	old[0] = 0;
	assert_int_equal(sys(__NR_prlimit64, 0, 7, (long)want, (long)old, 0, 0),
			 -EPERM);
	assert_int_equal(old[0], 0);
	want[0] = 2048; /* cur above max */
	assert_int_equal(sys(__NR_prlimit64, 0, 7, (long)want, 0, 0, 0), -EINVAL);
	/* The new limit may be read-only memory (its bytes are 'r's here). */
	assert_int_equal(sys(__NR_prlimit64, 0, 7, at(RO, 0), 0, 0, 0), -EPERM);
}

/* getrusage: the process's or the thread's CPU clock as user time; no children. */
static void test_getrusage(void **state)
{
	(void)state;
	int64_t *ru = (int64_t *)fx.rw;

	fx.now_ns = 2500001000ull; /* 2.500001 s */
	memset(ru, 0x55, 144);
	assert_int_equal(sys(__NR_getrusage, 0 /* RUSAGE_SELF */, (long)ru, 0, 0, 0, 0), 0);
	assert_int_equal(ru[0], 2);      /* ru_utime: the process clock (+7 ns) */
	assert_int_equal(ru[1], 500001);
	assert_int_equal(ru[2], 0);      /* ru_stime */
	assert_int_equal(ru[17], 0);     /* ru_nivcsw, the last counter */
	assert_int_equal(sys(__NR_getrusage, 1 /* RUSAGE_THREAD */, (long)ru, 0, 0, 0, 0), 0);
	assert_int_equal(ru[1], 500001);
	assert_int_equal(sys(__NR_getrusage, -1 /* RUSAGE_CHILDREN */, (long)ru, 0, 0, 0, 0), 0);
	assert_int_equal(ru[0] | ru[1], 0);
	assert_int_equal(sys(__NR_getrusage, 2, (long)ru, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(__NR_getrusage, 0 /* RUSAGE_SELF */, at(RO, 0), 0, 0, 0, 0), -EFAULT);
	/* setrlimit: the fixed limits, as prlimit64 (this env has no descriptor table) */
	ru[0] = ru[1] = 1024;
	assert_int_equal(sys(__NR_setrlimit, 7, (long)ru, 0, 0, 0, 0), 0);
	ru[0] = 4096;
	assert_int_equal(sys(__NR_setrlimit, 7, (long)ru, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(sys(__NR_setrlimit, 16, (long)ru, 0, 0, 0, 0), -EINVAL);
}

/*
 * Fixed-size structures go through a kernel copy (syscall_dispatch): a
 * buffer that vanished after the check is -EFAULT, the handler never
 * touches it, and an OUT buffer the handler did not change is not written
 * back (nanosleep's rem when the sleep ran out; req and rem may be one).
 */
static void test_bounced_structures(void **state)
{
	uint8_t *u = (uint8_t *)fx.rw;
	int64_t *ts = (int64_t *)(fx.rw + 512);

	(void)state;
	memset(u, 'z', 400);
	vanished = u;
	vanished_len = 400;
	assert_int_equal(sys(__NR_uname, (long)u, 0, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(sys(__NR_clock_gettime, 1, (long)u, 0, 0, 0, 0), -EFAULT);
	for (int i = 0; i < 400; i++)
		assert_int_equal(u[i], 'z');
	/* Only the second of the two buffers vanished: the first one's answer is kept. */
	vanished = (const uint8_t *)(ts + 2);
	vanished_len = 16;
	assert_int_equal(sys(__NR_gettimeofday, (long)ts, (long)(ts + 2), 0, 0, 0, 0), -EFAULT);
	vanished = NULL;
	assert_int_equal(sys(__NR_uname, (long)u, 0, 0, 0, 0, 0), 0);
	assert_string_equal((char *)u, "Carapace");
}

/* What a path handler was given: its pointers and the bytes behind them. */
static long seen_path[2];
static char seen_text[2][64];

static long record_paths(const struct syscall_env *e, const long args[SYSCALL_MAX_ARGS])
{
	(void)e;
	for (int i = 0; i < 2; i++) {
		seen_path[i] = args[i];
		snprintf(seen_text[i], sizeof(seen_text[i]), "%s", (const char *)args[i]);
	}
	return 0;
}

/*
 * Path strings reach the handler as kernel copies: not the application's
 * pointer, the same text; a path whose page vanished after the check is
 * -EFAULT and the handler does not run.
 */
static void test_copied_paths(void **state)
{
	static syscall_handler_fn handlers[SYSCALL_TABLE_SIZE];
	char *from = (char *)fx.rw, *to = (char *)fx.rw + 100;

	(void)state;
	strcpy(from, "/tmp/a");
	strcpy(to, "/tmp/b");
	handlers[__NR_rename] = record_paths;
	env.kernel_handlers = handlers;
	assert_int_equal(sys(__NR_rename, (long)from, (long)to, 0, 0, 0, 0), 0);
	assert_true(seen_path[0] != (long)from && seen_path[1] != (long)to);
	assert_string_equal(seen_text[0], "/tmp/a");
	assert_string_equal(seen_text[1], "/tmp/b");
	seen_path[0] = 0;
	vanished = (const uint8_t *)to;
	vanished_len = 1;
	assert_int_equal(sys(__NR_rename, (long)from, (long)to, 0, 0, 0, 0), -EFAULT);
	assert_int_equal(seen_path[0], 0);
	vanished = NULL;
	env.kernel_handlers = NULL;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ids),
		T(test_uname),
		T(test_sched_getaffinity),
		T(test_getrandom),
		T(test_clocks),
		T(test_time_of_day),
		T(test_sysinfo),
		T(test_rlimits),
		T(test_prlimit64_set),
		T(test_getrusage),
		T(test_bounced_structures),
		T(test_copied_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
