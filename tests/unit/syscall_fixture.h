/*
 * The fixture of the kernel/syscall tests: the application's memory faked
 * with real pages (a read-write range and a read-only range, each followed
 * by an inaccessible guard page, so a check that let a bad pointer through
 * crashes the test instead of passing it), and an env whose callbacks
 * answer fixed values and record the log.
 */
#ifndef CARAPACE_TESTS_SYSCALL_FIXTURE_H
#define CARAPACE_TESTS_SYSCALL_FIXTURE_H

#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <asm/unistd_64.h>

#include <carapace/syscall.h>

#define PAGE      4096
#define RW_PAGES  3
#define RW_LEN    (RW_PAGES * PAGE)
#define RO_LEN    PAGE
#define MAX_LINES 64

static struct {
	uint8_t *map;        /* [rw][guard][ro][guard] */
	uint8_t *rw, *ro, *guard;
	uint64_t now_ns;     /* every clock reads this, plus an offset each */
	uint64_t slept_ns;   /* what the sleeps asked for, in all */
	uint64_t signal_after_ns; /* the next sleep is cut short after this (0: never) */
	char lines[MAX_LINES][96];
	int nlines;
	uintptr_t clear_tid;
	unsigned cpus;
	struct syscall_log_limit limit;
} fx;

static bool inside(uintptr_t addr, size_t len, const uint8_t *base, size_t size)
{
	return addr >= (uintptr_t)base && len <= size &&
	       addr - (uintptr_t)base <= size - len;
}

static bool fake_check(void *ctx, uintptr_t addr, size_t len, bool want_write)
{
	(void)ctx;
	/* The layer's contract: never empty, never reaching 2^64. */
	assert_true(len > 0);
	assert_true(len <= UINTPTR_MAX - addr);
	if (inside(addr, len, fx.rw, RW_LEN))
		return true;
	return !want_write && inside(addr, len, fx.ro, RO_LEN);
}

static void fake_log(void *ctx, const char *line)
{
	(void)ctx;
	assert_true(fx.nlines < MAX_LINES);
	snprintf(fx.lines[fx.nlines++], sizeof(fx.lines[0]), "%s", line);
}

#define REALTIME_BASE 1700000000123456789ull
static uint64_t fake_clock(void *ctx, enum syscall_clock clock)
{
	(void)ctx;
	static const uint64_t offset[] = {
		[SYSCALL_CLOCK_REALTIME] = REALTIME_BASE,
		[SYSCALL_CLOCK_MONOTONIC] = 0,
		[SYSCALL_CLOCK_PROCESS] = 7,
		[SYSCALL_CLOCK_THREAD] = 3,
	};
	return fx.now_ns + offset[clock];
}

/* A sleep moves every clock on by the time asked. */
static int fake_sleep(void *ctx, uint64_t ns, uint64_t *left_ns)
{
	uint64_t after = fx.signal_after_ns;

	(void)ctx;
	fx.signal_after_ns = 0;
	if (after && after < ns) {
		fx.now_ns += after;
		fx.slept_ns += after;
		*left_ns = ns - after;
		return -EINTR;
	}
	fx.now_ns += ns;
	fx.slept_ns += ns;
	return 0;
}

static void fake_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = (uint8_t)(0xa5 ^ i);
}

static int fake_gettid(void *ctx)
{
	(void)ctx;
	return 42;
}

static void fake_set_clear_tid(void *ctx, uintptr_t addr)
{
	(void)ctx;
	fx.clear_tid = addr;
}

static void fake_meminfo(void *ctx, uint64_t *total, uint64_t *free)
{
	(void)ctx;
	*total = 64u << 20;
	*free = 24u << 20;
}

static struct syscall_env env = {
	.check_user_range = fake_check,
	.log = fake_log,
	.clock_ns = fake_clock,
	.sleep_ns = fake_sleep,
	.random = fake_random,
	.gettid = fake_gettid,
	.set_clear_child_tid = fake_set_clear_tid,
	.meminfo = fake_meminfo,
	.log_limit = &fx.limit,
	.pid = 1,
	.nodename = "testhost",
	.clock_res_ns = 1,
	.stack_limit = 8u << 20,
};

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.map = mmap(NULL, RW_LEN + 3 * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(fx.map != MAP_FAILED);
	fx.rw = fx.map;
	fx.guard = fx.map + RW_LEN;
	fx.ro = fx.guard + PAGE;
	assert_int_equal(mprotect(fx.rw, RW_LEN, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(mprotect(fx.ro, RO_LEN, PROT_READ | PROT_WRITE), 0);
	memset(fx.ro, 'r', RO_LEN);
	fx.ro[RO_LEN - 1] = '\0';
	assert_int_equal(mprotect(fx.ro, RO_LEN, PROT_READ), 0);
	fx.now_ns = 5000000000ull;
	env.cpu_count = 3;
	env.check_user_range = fake_check; /* a test may have swapped it */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(munmap(fx.map, RW_LEN + 3 * PAGE), 0);
	return 0;
}

static long sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return syscall_dispatch(&env, nr, a0, a1, a2, a3, a4, a5);
}

/* Where a pointer under test points. */
enum where { NUL, RW, RW_END, RO, RO_END, GUARD, TOP };

static long at(enum where w, long off)
{
	switch (w) {
	case NUL:    return 0;
	case RW:     return (long)(fx.rw + off);
	case RW_END: return (long)(fx.rw + RW_LEN - off);
	case RO:     return (long)(fx.ro + off);
	case RO_END: return (long)(fx.ro + RO_LEN - off);
	case GUARD:  return (long)(fx.guard + off);
	case TOP:    return (long)(UINTPTR_MAX - (uintptr_t)off);
	}
	return 0;
}

#endif
