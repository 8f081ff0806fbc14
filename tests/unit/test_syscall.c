/*
 * Tests for kernel/syscall's table and dispatcher: the table against the
 * host's Linux numbers, -ENOSYS and its rate-limited log, and argument
 * validation for every pointer form, strings, flags and fds. The handlers'
 * results are in test_syscall_handlers.c; the fixture is syscall_fixture.h.
 */
#include "syscall_fixture.h"

/* ---- the table against <asm/unistd_64.h> ---- */

#define CALLS(X) \
	X(read) X(write) X(readv) X(writev) X(pread64) X(pwrite64) X(open) \
	X(openat) X(close) X(lseek) X(fstat) X(stat) X(lstat) X(newfstatat) \
	X(statx) X(getdents64) X(mkdir) X(mkdirat) X(unlink) X(unlinkat) \
	X(rename) X(renameat) X(rmdir) X(dup) X(dup2) X(dup3) X(pipe) \
	X(pipe2) X(fcntl) X(ioctl) X(access) X(faccessat) X(getcwd) X(chdir) \
	X(readlink) X(readlinkat) X(mmap) X(munmap) X(mprotect) X(madvise) X(mremap) X(brk) \
	X(msync) X(mlock) X(munlock) X(mlock2) X(mlockall) X(munlockall) X(ftruncate) \
	X(arch_prctl) X(set_tid_address) X(clone) X(futex) X(exit) \
	X(exit_group) X(gettid) X(getpid) X(getppid) X(getuid) X(geteuid) \
	X(getgid) X(getegid) X(setuid) X(setgid) X(setgroups) X(uname) X(sched_yield) X(sched_getaffinity) \
	X(getrandom) X(clock_gettime) X(clock_getres) X(clock_nanosleep) \
	X(nanosleep) X(gettimeofday) X(time) X(rt_sigaction) \
	X(rt_sigprocmask) X(rt_sigpending) X(rt_sigsuspend) X(pause) X(sigaltstack) X(kill) \
	X(tkill) X(tgkill) X(prlimit64) \
	X(getrlimit) X(setrlimit) X(getrusage) X(umask) X(prctl) X(getitimer) X(setitimer) X(alarm) \
	X(timer_create) X(timer_settime) X(timer_gettime) X(timer_getoverrun) X(timer_delete) \
	X(sysinfo) X(poll) X(ppoll) X(select) X(pselect6) \
	X(eventfd2) X(membarrier) \
	X(socket) X(socketpair) X(bind) X(listen) X(accept) X(accept4) X(connect) \
	X(getsockname) X(getpeername) X(sendto) X(recvfrom) X(sendmsg) X(recvmsg) \
	X(sendmmsg) X(recvmmsg) X(shutdown) X(setsockopt) X(getsockopt) \
	X(epoll_create) X(epoll_create1) X(epoll_ctl) X(epoll_wait) X(epoll_pwait) \
	X(signalfd) X(signalfd4) X(timerfd_create) X(timerfd_settime) X(timerfd_gettime) \
	X(flock) X(fsync) X(fdatasync) X(syncfs) X(truncate) X(fadvise64) X(fallocate) \
	X(memfd_create) X(preadv) X(pwritev) X(sendfile) X(copy_file_range) X(getgroups) X(getpgid) X(getpgrp) X(getsid) X(setsid) \
	X(setpgid) X(getresuid) X(getresgid) X(setreuid) X(setregid) X(setresuid) \
	X(setresgid) X(getpriority) X(setpriority) X(sched_getscheduler) \
	X(sched_setscheduler) X(sched_getparam) X(sched_setparam) \
	X(sched_get_priority_max) X(sched_get_priority_min) X(sched_setaffinity) \
	X(set_robust_list) X(get_robust_list) X(rt_sigtimedwait) \
	X(chmod) X(fchmod) X(fchmodat) X(chown) X(fchown) X(lchown) X(fchownat) X(utimensat) \
	X(link) X(linkat) X(symlink) X(symlinkat) X(fchdir) \
	X(times) X(sync) X(getcpu) X(faccessat2)

#define LINUX_CALL(name) { #name, __NR_##name },
static const struct { const char *name; long nr; } linux_calls[] = {
	CALLS(LINUX_CALL)
};
#define NCALLS (sizeof(linux_calls) / sizeof(linux_calls[0]))

static void test_numbers_and_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCALLS; i++) {
		const struct syscall_desc *d = syscall_lookup(linux_calls[i].nr);

		if (!d || strcmp(d->name, linux_calls[i].name) != 0)
			fail_msg("%s: table has %s at %ld", linux_calls[i].name,
				 d ? d->name : "nothing", linux_calls[i].nr);
	}
	/* Carapace's own calls, above every number Linux uses. */
	static const struct { const char *name; long nr; } own_calls[] = {
		{ "carapace_dgram_recv", SYSCALL_NR_CARAPACE_DGRAM_RECV },
		{ "carapace_dgram_send", SYSCALL_NR_CARAPACE_DGRAM_SEND },
		{ "carapace_stream_recv", SYSCALL_NR_CARAPACE_STREAM_RECV },
		{ "carapace_stream_send", SYSCALL_NR_CARAPACE_STREAM_SEND },
	};
	for (size_t i = 0; i < sizeof(own_calls) / sizeof(own_calls[0]); i++) {
		const struct syscall_desc *d = syscall_lookup(own_calls[i].nr);

		if (!d || strcmp(d->name, own_calls[i].name) != 0)
			fail_msg("%s: table has %s at %ld", own_calls[i].name,
				 d ? d->name : "nothing", own_calls[i].nr);
	}
	/* Nothing in the table that the lists above did not check. */
	size_t entries = 0;
	for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
		entries += syscall_lookup(nr) != NULL;
	assert_int_equal(entries, NCALLS + sizeof(own_calls) / sizeof(own_calls[0]));
	assert_null(syscall_lookup(-1));
	assert_null(syscall_lookup(SYSCALL_TABLE_SIZE));
	assert_null(syscall_lookup(LONG_MAX));
}

/* Each size form names an argument that exists and is a plain integer. */
static void test_descriptions_consistent(void **state)
{
	(void)state;
	for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		const struct syscall_desc *d = syscall_lookup(nr);

		for (int i = 0; d && i < SYSCALL_MAX_ARGS; i++) {
			const struct syscall_arg *a = &d->args[i];
			bool sized = (a->kind == SYSCALL_ARG_IN ||
				      a->kind == SYSCALL_ARG_OUT) &&
				     a->size_kind != SYSCALL_SIZE_FIXED;

			if (a->kind == SYSCALL_ARG_IN || a->kind == SYSCALL_ARG_OUT)
				assert_true(sized || a->size > 0);
			if (a->kind == SYSCALL_ARG_STRING)
				assert_int_equal(a->size, SYSCALL_PATH_MAX);
			if (sized) {
				assert_true(a->size_arg < SYSCALL_MAX_ARGS);
				assert_int_equal(d->args[a->size_arg].kind,
						 SYSCALL_ARG_INT);
			}
			if (a->size_kind == SYSCALL_SIZE_ARRAY)
				assert_true(a->max_count > 0 &&
					    a->max_count <= UINT32_MAX / a->size);
		}
	}
}

/* ---- -ENOSYS and its log ---- */

static int count_lines(const char *text)
{
	int n = 0;

	for (int i = 0; i < fx.nlines; i++)
		n += strcmp(fx.lines[i], text) == 0;
	return n;
}

static void test_enosys_once_per_number(void **state)
{
	(void)state;
	static const long numbers[] = { 999, -1, LONG_MIN, LONG_MAX,
					SYSCALL_TABLE_SIZE, 15, 100000 };
	const size_t n = sizeof(numbers) / sizeof(numbers[0]);

	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < n; i++)
			assert_int_equal(sys(numbers[i], 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(fx.nlines, n);
	assert_int_equal(count_lines("carapace: syscall 999 is not implemented"), 1);
	assert_int_equal(count_lines("carapace: syscall -1 is not implemented"), 1);
	assert_int_equal(count_lines("carapace: syscall -9223372036854775808 is not implemented"), 1);
	assert_int_equal(count_lines("carapace: syscall 9223372036854775807 is not implemented"), 1);
	assert_int_equal(count_lines("carapace: syscall 15 is not implemented"), 1);
}

/* Known but without a handler: -ENOSYS before any argument is looked at. */
static void test_enosys_named(void **state)
{
	(void)state;
	assert_int_equal(sys(__NR_statx, -100, 0, -1, -1, 0, 0), -ENOSYS);
	assert_int_equal(sys(__NR_statx, 0, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(sys(__NR_read, 0, 0, 1, 0, 0, 0), -ENOSYS);
	assert_int_equal(fx.nlines, 2);
	assert_string_equal(fx.lines[0],
			    "carapace: syscall statx (332) is not implemented");
	assert_string_equal(fx.lines[1],
			    "carapace: syscall read (0) is not implemented");
}

/* Calls the numbers 1000 to 1000 + count - 1 (none exists): each -ENOSYS. */
static void call_unknown(int count)
{
	for (int i = 0; i < count; i++)
		assert_int_equal(sys(1000 + i, 0, 0, 0, 0, 0, 0), -ENOSYS);
}

/* The per-second budget holds lines back; they come out a second later. */
static void test_enosys_rate_limit(void **state)
{
	(void)state;
	const int distinct = 3 * SYSCALL_LOG_PER_SECOND;

	call_unknown(distinct);
	assert_int_equal(fx.nlines, SYSCALL_LOG_PER_SECOND);
	fx.now_ns += 999999999;
	call_unknown(distinct);
	assert_int_equal(fx.nlines, SYSCALL_LOG_PER_SECOND);
	fx.now_ns += 1;
	call_unknown(distinct);
	assert_int_equal(fx.nlines, 2 * SYSCALL_LOG_PER_SECOND);
	fx.now_ns += 1000000000;
	for (int r = 0; r < 2; r++)
		call_unknown(distinct);
	assert_int_equal(fx.nlines, distinct);
	for (int i = 0; i < distinct; i++) {
		char want[96];

		snprintf(want, sizeof(want),
			 "carapace: syscall %d is not implemented", 1000 + i);
		assert_int_equal(count_lines(want), 1);
	}
}

/* ---- argument validation ---- */

/*
 * Arguments that pass every check of desc: "/" for strings, AT_FDCWD or 0
 * for fds, 0 for flags, the start of the read-write range for pointers,
 * 16 for sizes and counts.
 */
static void valid_args(const struct syscall_desc *d, long raw[SYSCALL_MAX_ARGS])
{
	strcpy((char *)fx.rw + RW_LEN - 2, "/");
	for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
		switch (d->args[i].kind) {
		case SYSCALL_ARG_STRING:
			raw[i] = at(RW_END, 2);
			break;
		case SYSCALL_ARG_DIRFD:
			raw[i] = -100;
			break;
		case SYSCALL_ARG_IN:
		case SYSCALL_ARG_OUT:
			raw[i] = at(RW, 0);
			break;
		default:
			raw[i] = 0;
		}
	}
	for (int i = 0; i < SYSCALL_MAX_ARGS; i++)
		if (d->args[i].size_kind != SYSCALL_SIZE_FIXED)
			raw[d->args[i].size_arg] = 16;
}

struct arg_case {
	const char *what;
	long nr;
	int arg;        /* the argument under test */
	enum where where;
	long off;
	int size_arg;   /* -1: keep the default size */
	long size;
	int expect;
};

#define NO_SIZE -1, 0

static const struct arg_case arg_cases[] = {
	/* a fixed-size buffer the kernel writes */
	{ "fixed out ok", __NR_uname, 0, RW_END, 390, NO_SIZE, 0 },
	{ "fixed out NULL", __NR_uname, 0, NUL, 0, NO_SIZE, -EFAULT },
	{ "fixed out unmapped", __NR_uname, 0, GUARD, 0, NO_SIZE, -EFAULT },
	{ "fixed out partial", __NR_uname, 0, RW_END, 389, NO_SIZE, -EFAULT },
	{ "fixed out read-only", __NR_uname, 0, RO, 0, NO_SIZE, -EFAULT },
	{ "fixed out wraps", __NR_uname, 0, TOP, 100, NO_SIZE, -EFAULT },
	/* a fixed-size buffer the kernel reads, optional */
	{ "fixed in read-only", __NR_nanosleep, 0, RO_END, 16, NO_SIZE, 0 },
	{ "fixed in NULL", __NR_nanosleep, 0, NUL, 0, NO_SIZE, -EFAULT },
	{ "fixed in partial", __NR_nanosleep, 0, RO_END, 15, NO_SIZE, -EFAULT },
	{ "fixed in wraps", __NR_nanosleep, 0, TOP, 8, NO_SIZE, -EFAULT },
	{ "optional in NULL", __NR_prlimit64, 2, NUL, 0, NO_SIZE, 0 },
	{ "optional in unmapped", __NR_prlimit64, 2, GUARD, 8, NO_SIZE, -EFAULT },
	{ "optional out NULL", __NR_prlimit64, 3, NUL, 0, NO_SIZE, 0 },
	{ "optional out read-only", __NR_prlimit64, 3, RO, 0, NO_SIZE, -EFAULT },
	/* a buffer whose size is another argument */
	{ "sized out ok", __NR_read, 1, RW, 0, 2, RW_LEN, 0 },
	{ "sized out partial", __NR_read, 1, RW, 1, 2, RW_LEN, -EFAULT },
	{ "sized out read-only", __NR_read, 1, RO, 0, 2, 1, -EFAULT },
	{ "sized out NULL", __NR_read, 1, NUL, 0, 2, 1, -EFAULT },
	{ "sized out NULL, 0 bytes", __NR_read, 1, NUL, 0, 2, 0, 0 },
	{ "sized out wraps", __NR_read, 1, RW, 0, 2, -1, -EFAULT },
	{ "sized out at top", __NR_read, 1, TOP, 0, 2, 2, -EFAULT },
	{ "sized in read-only", __NR_write, 1, RO, 0, 2, RO_LEN, 0 },
	{ "sized in partial", __NR_write, 1, RO, 0, 2, RO_LEN + 1, -EFAULT },
	{ "sized in unmapped", __NR_write, 1, GUARD, 0, 2, 1, -EFAULT },
	/* an array of count elements */
	{ "array ok", __NR_poll, 0, RW_END, 8 * 1024, 1, 1024, 0 },
	{ "array partial", __NR_poll, 0, RW_END, 8 * 1023, 1, 1024, -EFAULT },
	{ "array too many", __NR_poll, 0, RW, 0, 1, 1025, -EINVAL },
	{ "array overflowing count", __NR_poll, 0, RW, 0, 1, LONG_MAX, -EINVAL },
	{ "array negative count", __NR_writev, 1, RW, 0, 2, -1, -EINVAL },
	{ "array read-only in", __NR_writev, 1, RO, 0, 2, 1024 / 16 * 4, 0 },
	{ "array written read-only", __NR_poll, 0, RO, 0, 1, 1, -EFAULT },
	{ "array NULL", __NR_readv, 1, NUL, 0, 2, 1, -EFAULT },
	{ "array wraps", __NR_readv, 1, TOP, 15, 2, 1, -EFAULT },
	/* select's fd_sets: 8 bytes per 64 descriptors */
	{ "fdset 64 fds", __NR_select, 1, RW_END, 8, 0, 64, 0 },
	{ "fdset 65 fds", __NR_select, 1, RW_END, 8, 0, 65, -EFAULT },
	{ "fdset clamped", __NR_select, 2, RW_END, 128, 0, 100000, 0 },
	{ "fdset negative nfds", __NR_select, 3, RW, 0, 0, -1, -EINVAL },
	{ "fdset NULL", __NR_pselect6, 1, NUL, 0, 0, 64, 0 },
	{ "fdset read-only", __NR_pselect6, 1, RO, 0, 0, 1, -EFAULT },
	{ "fdset no fds", __NR_select, 1, GUARD, 0, 0, 0, 0 },
	/* strings */
	{ "string NULL", __NR_open, 0, NUL, 0, NO_SIZE, -EFAULT },
	{ "string read-only", __NR_open, 0, RO, 0, NO_SIZE, 0 },
	{ "string unmapped", __NR_stat, 0, GUARD, 0, NO_SIZE, -EFAULT },
	{ "string at top", __NR_unlink, 0, TOP, 0, NO_SIZE, -EFAULT },
	{ "string past read-only", __NR_rmdir, 0, RO_END, 0, NO_SIZE, -EFAULT },
	/* the next argument is still checked after a string */
	{ "stat buffer read-only", __NR_stat, 1, RO, 0, NO_SIZE, -EFAULT },
	{ "statx buffer partial", __NR_statx, 4, RW_END, 255, NO_SIZE, -EFAULT },
	{ "statx buffer ok", __NR_statx, 4, RW_END, 256, NO_SIZE, 0 },
};

static void test_pointer_args(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
		const struct arg_case *c = &arg_cases[i];
		const struct syscall_desc *d = syscall_lookup(c->nr);
		long raw[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];

		assert_non_null(d);
		valid_args(d, raw);
		raw[c->arg] = at(c->where, c->off);
		if (c->size_arg >= 0)
			raw[c->size_arg] = c->size;
		int got = syscall_validate_args(&env, d, raw, valid);
		if (got != c->expect)
			fail_msg("%s: got %d, want %d", c->what, got, c->expect);
	}
}

/* Every table entry accepts its own valid arguments (checks valid_args). */
static void test_every_entry_accepts_valid_args(void **state)
{
	(void)state;
	for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		const struct syscall_desc *d = syscall_lookup(nr);
		long raw[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];

		if (!d)
			continue;
		valid_args(d, raw);
		if (syscall_validate_args(&env, d, raw, valid) != 0)
			fail_msg("%s refuses valid arguments", d->name);
	}
}

static int check_path(long addr)
{
	long raw[SYSCALL_MAX_ARGS] = { addr }, valid[SYSCALL_MAX_ARGS];

	return syscall_validate_args(&env, syscall_lookup(__NR_chdir), raw, valid);
}

static void test_strings(void **state)
{
	(void)state;
	/* Exactly PATH_MAX - 1 characters, across a page boundary: accepted. */
	char *s = (char *)fx.rw + 100;
	memset(s, 'a', SYSCALL_PATH_MAX - 1);
	s[SYSCALL_PATH_MAX - 1] = '\0';
	assert_int_equal(check_path((long)s), 0);
	/* One more: too long. */
	s[SYSCALL_PATH_MAX - 1] = 'a';
	s[SYSCALL_PATH_MAX] = '\0';
	assert_int_equal(check_path((long)s), -ENAMETOOLONG);
	/* Unterminated at the end of the mapping. */
	memset(fx.rw + RW_LEN - 10, 'x', 10);
	assert_int_equal(check_path(at(RW_END, 10)), -EFAULT);
	assert_int_equal(check_path(at(RW_END, 1)), -EFAULT);
	/* The NUL is the mapping's last byte. */
	fx.rw[RW_LEN - 1] = '\0';
	assert_int_equal(check_path(at(RW_END, 10)), 0);
	assert_int_equal(check_path(at(RW_END, 1)), 0);
	/* The empty string is a string (the handler answers -ENOENT). */
	fx.rw[0] = '\0';
	assert_int_equal(check_path(at(RW, 0)), 0);
	/* A short limit, on a description of our own. */
	struct syscall_desc d = { .name = "short",
		.args = { { .kind = SYSCALL_ARG_STRING, .size = 8 } } };
	long raw[SYSCALL_MAX_ARGS] = { at(RW, 200) }, valid[SYSCALL_MAX_ARGS];
	strcpy((char *)fx.rw + 200, "1234567");
	assert_int_equal(syscall_validate_args(&env, &d, raw, valid), 0);
	strcpy((char *)fx.rw + 200, "12345678");
	assert_int_equal(syscall_validate_args(&env, &d, raw, valid),
			 -ENAMETOOLONG);
}

/*
 * A page walk that accepts any range, as the kernel's did for one that ends
 * at 2^64 (its end wrapped to 0 and it checked no page): the dispatcher
 * alone must refuse such ranges.
 */
static int ranges_seen;

static bool accept_anything(void *ctx, uintptr_t addr, size_t len, bool want_write)
{
	(void)ctx;
	(void)addr;
	(void)len;
	(void)want_write;
	ranges_seen++;
	return true;
}

/* The bytes a buffer argument covers with the sizes valid_args gives. */
static size_t buffer_len(const struct syscall_arg *arg, const long raw[SYSCALL_MAX_ARGS])
{
	long count = raw[arg->size_arg];

	switch (arg->size_kind) {
	case SYSCALL_SIZE_FIXED:
		return arg->size;
	case SYSCALL_SIZE_ARG:
		return (size_t)count;
	case SYSCALL_SIZE_ARRAY:
		return (size_t)count * arg->size;
	case SYSCALL_SIZE_FDSET:
		return ((size_t)count + 63) / 64 * 8;
	}
	return 0;
}

/*
 * Every buffer argument of every call (read, pread64, readv, write,
 * getcwd, getdents64, getrandom, clock_gettime, futex, poll, select,
 * uname, fstat, ...): a range that ends exactly at 2^64, or wraps past it,
 * is -EFAULT even where the page walk would say yes. (Strings are left
 * out: on a dispatcher that let them through, the test would read the top
 * of the host's address space; "string at top" covers them.)
 */
static void test_ranges_reaching_2_to_the_64(void **state)
{
	int buffers = 0;

	(void)state;
	env.check_user_range = accept_anything;
	for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		const struct syscall_desc *d = syscall_lookup(nr);

		for (int i = 0; d && i < SYSCALL_MAX_ARGS; i++) {
			const struct syscall_arg *arg = &d->args[i];
			long raw[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];
			size_t len;

			if (arg->kind != SYSCALL_ARG_IN && arg->kind != SYSCALL_ARG_OUT)
				continue;
			valid_args(d, raw);
			len = buffer_len(arg, raw);
			assert_true(len >= 2);
			buffers++;
			ranges_seen = 0;
			raw[i] = (long)(0 - (uintptr_t)len); /* its last byte is 2^64 - 1 */
			if (syscall_validate_args(&env, d, raw, valid) != -EFAULT)
				fail_msg("%s: argument %d of %zu bytes ending at 2^64 accepted",
					 d->name, i, len);
			raw[i] = (long)(0 - (uintptr_t)len / 2); /* wraps to page 0 */
			if (syscall_validate_args(&env, d, raw, valid) != -EFAULT)
				fail_msg("%s: argument %d wrapping past 2^64 accepted", d->name, i);
		}
	}
	assert_true(buffers > 40); /* every call's buffers were tried */
	/* One byte short of 2^64 is a range like any other: the walk decides. */
	ranges_seen = 0;
	assert_int_equal(syscall_check_range(&env, UINTPTR_MAX - 15, 15, true), 0);
	assert_int_equal(ranges_seen, 1);
	assert_int_equal(syscall_check_range(&env, UINTPTR_MAX - 15, 16, true), -EFAULT);
	assert_int_equal(syscall_check_range(&env, UINTPTR_MAX, 1, false), -EFAULT);
	assert_int_equal(ranges_seen, 1);
	env.check_user_range = fake_check;
}

struct value_case {
	const char *what;
	long nr;
	int arg;
	long value;
	int expect;
	long passed; /* what the handler gets, when expect is 0 */
};

static const struct value_case value_cases[] = {
	{ "fd 0", __NR_close, 0, 0, 0, 0 },
	{ "fd -1", __NR_close, 0, -1, -EBADF, 0 },
	{ "fd upper bits ignored", __NR_close, 0, 0x100000003L, 0, 3 },
	{ "fd INT_MAX", __NR_dup, 0, INT_MAX, 0, INT_MAX },
	{ "fd 0x80000000", __NR_dup, 0, 0x80000000L, -EBADF, 0 },
	{ "fd AT_FDCWD", __NR_close, 0, -100, -EBADF, 0 },
	{ "dirfd AT_FDCWD", __NR_openat, 0, -100, 0, -100 },
	{ "dirfd -1", __NR_openat, 0, -1, -EBADF, 0 },
	{ "dirfd 5", __NR_mkdirat, 0, 5, 0, 5 },
	{ "dup3 O_CLOEXEC", __NR_dup3, 2, 02000000, 0, 02000000 },
	{ "dup3 O_NONBLOCK", __NR_dup3, 2, 04000, -EINVAL, 0 },
	{ "pipe2 all", __NR_pipe2, 1, 02000000 | 04000 | 040000 | 0200, 0,
	  02000000 | 04000 | 040000 | 0200 },
	{ "pipe2 O_RDWR", __NR_pipe2, 1, 2, -EINVAL, 0 },
	{ "unlinkat AT_REMOVEDIR", __NR_unlinkat, 2, 0x200, 0, 0x200 },
	{ "unlinkat NOFOLLOW", __NR_unlinkat, 2, 0x100, -EINVAL, 0 },
	{ "newfstatat EMPTY_PATH", __NR_newfstatat, 3, 0x1000, 0, 0x1000 },
	{ "newfstatat REMOVEDIR", __NR_newfstatat, 3, 0x200, -EINVAL, 0 },
	{ "statx sync type", __NR_statx, 2, 0x6000, 0, 0x6000 },
	{ "statx mask reserved", __NR_statx, 3, 0x80000000L, -EINVAL, 0 },
	{ "statx mask all", __NR_statx, 3, 0x7fffffff, 0, 0x7fffffff },
	{ "access bad mode", __NR_access, 1, 8, -EINVAL, 0 },
	{ "faccessat R|W|X", __NR_faccessat, 2, 7, 0, 7 },
	{ "eventfd2 semaphore", __NR_eventfd2, 1, 1, 0, 1 },
	{ "eventfd2 bit 1", __NR_eventfd2, 1, 2, -EINVAL, 0 },
	{ "mprotect sem", __NR_mprotect, 2, 0xf, 0, 0xf },
	{ "mprotect 0x10", __NR_mprotect, 2, 0x10, -EINVAL, 0 },
	{ "flags upper bits ignored", __NR_getrandom, 2, 0x100000001L, 0, 1 },
	{ "mremap wide flags", __NR_mremap, 3, 0x100000001L, -EINVAL, 0 },
	{ "mremap MAYMOVE", __NR_mremap, 3, 1, 0, 1 },
	{ "open flags unchecked", __NR_open, 1, -1, 0, -1 },
};

static void test_value_args(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		const struct syscall_desc *d = syscall_lookup(c->nr);
		long raw[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];

		valid_args(d, raw);
		raw[c->arg] = c->value;
		int got = syscall_validate_args(&env, d, raw, valid);
		if (got != c->expect)
			fail_msg("%s: got %d, want %d", c->what, got, c->expect);
		if (got == 0 && valid[c->arg] != c->passed)
			fail_msg("%s: passed %ld", c->what, valid[c->arg]);
	}
}

/* Arguments are checked in order: the first failure is the answer. */
static void test_first_failure_wins(void **state)
{
	(void)state;
	long raw[SYSCALL_MAX_ARGS] = { -1, 0, 10 }, valid[SYSCALL_MAX_ARGS];
	const struct syscall_desc *read = syscall_lookup(__NR_read);

	assert_int_equal(syscall_validate_args(&env, read, raw, valid), -EBADF);
	raw[0] = 3;
	assert_int_equal(syscall_validate_args(&env, read, raw, valid), -EFAULT);
	/* Arguments beyond the call's own are zeroed for the handler. */
	long extra[SYSCALL_MAX_ARGS] = { 1, 2, 3, 4, 5, 6 };
	assert_int_equal(syscall_validate_args(&env, syscall_lookup(__NR_dup),
					       extra, valid), 0);
	assert_int_equal(valid[0], 1);
	for (int i = 1; i < SYSCALL_MAX_ARGS; i++)
		assert_int_equal(valid[i], 0);
}

static long kernel_read(const struct syscall_env *e, const long args[SYSCALL_MAX_ARGS])
{
	(void)e;
	return 1000 + args[2];
}

/*
 * The kernel's handlers replace the table's, and extend it to calls the
 * table has none for; the table's argument checks still come first.
 */
static void test_kernel_handlers(void **state)
{
	static syscall_handler_fn handlers[SYSCALL_TABLE_SIZE];

	(void)state;
	handlers[__NR_read] = kernel_read;
	env.kernel_handlers = handlers;
	assert_int_equal(syscall_dispatch(&env, __NR_read, 3, (long)fx.rw, 10, 0, 0, 0), 1010);
	assert_int_equal(syscall_dispatch(&env, __NR_read, -1, (long)fx.rw, 10, 0, 0, 0), -EBADF);
	assert_int_equal(syscall_dispatch(&env, __NR_read, 3, 0, 10, 0, 0, 0), -EFAULT);
	env.kernel_handlers = NULL;
	assert_int_equal(syscall_dispatch(&env, __NR_read, 3, (long)fx.rw, 10, 0, 0, 0), -ENOSYS);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_numbers_and_names),
		T(test_kernel_handlers),
		T(test_descriptions_consistent),
		T(test_enosys_once_per_number),
		T(test_enosys_named),
		T(test_enosys_rate_limit),
		T(test_pointer_args),
		T(test_every_entry_accepts_valid_args),
		T(test_strings),
		T(test_ranges_reaching_2_to_the_64),
		T(test_value_args),
		T(test_first_failure_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
