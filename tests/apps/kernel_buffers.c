/*
 * System calls handed kernel memory as their buffers. The application runs
 * in ring 0, so it can find real kernel addresses: kernel text (musl's
 * printf lives in the kernel image), this CPU's struct cpu (the GS base),
 * the kernel threads' struct thread (%gs:8, kernel heap), the syscall
 * stack of the caller (%gs:16) and of another thread, whose addresses that
 * thread notes before it sleeps in a read. Every call that takes a buffer (each pointer argument
 * kind of kernel/syscall/syscall_table.c) is tried on each: each must
 * return -1 with EFAULT and leave the memory as it was. Kernel text may be
 * read (it is the same in every boot's binary), so only the calls that
 * write their buffer are tried on it. Ranges ending exactly at 2^64 and
 * wrapping past it are EFAULT too. Prints "kbuf: N failed" (0 when all pass).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define CHECK_PREFIX "kbuf"
#define CHECK_FAILURES_ONLY
#include "check.h"

#define MSR_GS_BASE  0xc0000101u
#define SPAN         64   /* bytes each call is given */
#define STACK_SIZE   (16 * 1024) /* a syscall stack (kernel/sched/thread.c) */
#define FUTEX_WAIT   0

static int zero_fd, null_fd, dir_fd, file_fd;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

/* One call on [p, p+SPAN): its raw result (-1 and errno on failure). */
static long c_read(void *p)       { return syscall(SYS_read, zero_fd, p, SPAN); }
static long c_pread64(void *p)    { return syscall(SYS_pread64, file_fd, p, SPAN, 0); }
static long c_readv_to(void *p)
{
	struct iovec v = { p, SPAN };

	return syscall(SYS_readv, zero_fd, &v, 1);
}
static long c_readv_array(void *p) { return syscall(SYS_readv, zero_fd, p, 2); }
static long c_getcwd(void *p)     { return syscall(SYS_getcwd, p, SPAN); }
static long c_getdents64(void *p) { return syscall(SYS_getdents64, dir_fd, p, SPAN); }
static long c_getrandom(void *p)  { return syscall(SYS_getrandom, p, SPAN, 0); }
static long c_clock_gettime(void *p) { return syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p); }
static long c_clock_getres(void *p) { return syscall(SYS_clock_getres, CLOCK_MONOTONIC, p); }
static long c_gettimeofday(void *p) { return syscall(SYS_gettimeofday, p, NULL); }
static long c_uname(void *p)      { return syscall(SYS_uname, p); }
static long c_fstat(void *p)      { return syscall(SYS_fstat, file_fd, p); }
static long c_statx(void *p)      { return syscall(SYS_statx, AT_FDCWD, "/", 0, 0x7ff, p); }
static long c_pipe(void *p)       { return syscall(SYS_pipe, p); }
static long c_sysinfo(void *p)    { return syscall(SYS_sysinfo, p); }
static long c_sigprocmask(void *p) { return syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8); }
static long c_prlimit(void *p)    { return syscall(SYS_prlimit64, 0, 3, NULL, p); }
static long c_affinity(void *p)   { return syscall(SYS_sched_getaffinity, 0, SPAN, p); }
static long c_getrusage(void *p)  { return syscall(SYS_getrusage, 0, p); }
static long c_getitimer(void *p)  { return syscall(SYS_getitimer, 0, p); }
static long c_setitimer_old(void *p)
{
	static const struct itimerval disarm;

	return syscall(SYS_setitimer, 0, &disarm, p);
}
static long c_prctl_get_name(void *p) { return syscall(SYS_prctl, PR_GET_NAME, p, 0, 0, 0); }
static long c_select(void *p)
{
	struct timeval none = { 0, 0 };

	return syscall(SYS_select, 64, p, NULL, NULL, &none);
}
static long c_poll(void *p)       { return syscall(SYS_poll, p, 2, 0); }
/* Reads of kernel memory: they would copy it out to a file. */
static long c_write(void *p)      { return syscall(SYS_write, null_fd, p, SPAN); }
static long c_writev_from(void *p)
{
	struct iovec v = { p, SPAN };

	return syscall(SYS_writev, null_fd, &v, 1);
}
static long c_open(void *p)       { return syscall(SYS_open, p, O_RDONLY); }
static long c_prctl_set_name(void *p) { return syscall(SYS_prctl, PR_SET_NAME, p, 0, 0, 0); }
static long c_setrlimit(void *p)  { return syscall(SYS_setrlimit, RLIMIT_NOFILE, p); }
static long c_futex(void *p)
{
	struct timespec ms = { 0, 1000000 };

	/* A value it cannot hold: accepted, this would be EAGAIN at once. */
	return syscall(SYS_futex, p, FUTEX_WAIT, ~*(volatile uint32_t *)p, &ms);
}
static long c_nanosleep_rem(void *p)
{
	struct timespec none = { 0, 0 };

	return syscall(SYS_nanosleep, &none, p);
}

static const struct call {
	const char *name;
	long (*fn)(void *p);
	int reads_only; /* tried on kernel text too only if 0 */
} calls[] = {
	{ "read", c_read, 0 }, { "pread64", c_pread64, 0 },
	{ "readv into", c_readv_to, 0 }, { "readv iovec array", c_readv_array, 1 },
	{ "getcwd", c_getcwd, 0 }, { "getdents64", c_getdents64, 0 },
	{ "getrandom", c_getrandom, 0 }, { "clock_gettime", c_clock_gettime, 0 },
	{ "clock_getres", c_clock_getres, 0 }, { "gettimeofday", c_gettimeofday, 0 },
	{ "uname", c_uname, 0 }, { "fstat", c_fstat, 0 }, { "statx", c_statx, 0 },
	{ "pipe", c_pipe, 0 }, { "sysinfo", c_sysinfo, 0 },
	{ "rt_sigprocmask old", c_sigprocmask, 0 }, { "prlimit64 old", c_prlimit, 0 },
	{ "sched_getaffinity", c_affinity, 0 }, { "select fd_set", c_select, 0 },
	{ "poll array", c_poll, 0 }, { "write from", c_write, 1 },
	{ "writev from", c_writev_from, 1 }, { "open path", c_open, 1 },
	{ "futex wait", c_futex, 1 }, { "nanosleep rem", c_nanosleep_rem, 0 },
	{ "getrusage", c_getrusage, 0 }, { "getitimer", c_getitimer, 0 },
	{ "setitimer old", c_setitimer_old, 0 }, { "prctl PR_GET_NAME", c_prctl_get_name, 0 },
	{ "prctl PR_SET_NAME", c_prctl_set_name, 1 }, { "setrlimit", c_setrlimit, 1 },
};

/* A check of what on where: printed ("kbuf: WHAT on WHERE FAILED") when it failed. */
static void check_on(int ok, const char *what, const char *where)
{
	char name[160];

	snprintf(name, sizeof(name), "%s on %s", what, where);
	check(name, ok);
}

/* Every call on target: -1/EFAULT, and target's bytes as they were. */
static void try_all(const char *where, void *target, int text, int stable)
{
	unsigned char before[SPAN];
	int tried = 0;

	memcpy(before, target, SPAN);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		long rc;

		if (text && calls[i].reads_only)
			continue;
		errno = 0;
		rc = calls[i].fn(target);
		check_on(rc == -1 && errno == EFAULT, calls[i].name, where);
		tried++;
	}
	if (stable)
		check_on(memcmp(before, target, SPAN) == 0, "memory unchanged", where);
	printf("kbuf: %s: %d calls tried\n", where, tried);
}

/* A thread that makes a note of its syscall stack, then sleeps in read. */
static int gate[2];
static volatile uint64_t other_stack_top, other_thread;

static void *sleeper(void *arg)
{
	char c;

	(void)arg;
	other_thread = gs_word(8);
	other_stack_top = gs_word(16);
	return (void *)(long)read(gate[0], &c, 1);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

/* A range whose last byte is the last of the address space, or past it. */
static void try_top(void)
{
	uint64_t heap = other_thread;
	static const struct { const char *what; uint64_t addr; } tops[] = {
		{ "read ending at 2^64 from page -1", 0xfffffffffffff000ull },
		{ "read ending at 2^64 from 2^64-1", 0xffffffffffffffffull },
	};
	unsigned char before[SPAN];
	long rc;

	memcpy(before, (void *)heap, SPAN);
	errno = 0;
	rc = syscall(SYS_read, zero_fd, heap, -heap); /* the read(fd, A, -A) */
	check_on(rc == -1 && errno == EFAULT, "read(fd, A, -A)", "a sleeping struct thread");
	errno = 0;
	rc = syscall(SYS_getrandom, heap, -heap, 0);
	check_on(rc == -1 && errno == EFAULT, "getrandom(A, -A)", "a sleeping struct thread");
	errno = 0;
	rc = syscall(SYS_write, null_fd, heap, -heap);
	check_on(rc == -1 && errno == EFAULT, "write(fd, A, -A)", "a sleeping struct thread");
	check_on(memcmp(before, (void *)heap, SPAN) == 0, "memory unchanged", "a sleeping struct thread");
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
		errno = 0;
		rc = syscall(SYS_read, zero_fd, tops[i].addr, -tops[i].addr);
		check_on(rc == -1 && errno == EFAULT, tops[i].what, "the top");
	}
	errno = 0;
	rc = syscall(SYS_read, zero_fd, heap, -heap + 4096); /* wraps to page 0 */
	check_on(rc == -1 && errno == EFAULT, "read wrapping past 2^64", "a sleeping struct thread");
	printf("kbuf: ranges reaching 2^64 tried\n");
}

int main(void)
{
	pthread_t t;

	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	dir_fd = open("/", O_RDONLY | O_DIRECTORY);
	file_fd = open("/tmp/kbuf", O_RDWR | O_CREAT, 0600);
	if (zero_fd < 0 || null_fd < 0 || dir_fd < 0 || file_fd < 0 ||
	    write(file_fd, "some bytes of a file, more than sixty-four of them, to read back "
		  "with pread64", 78) != 78 || pipe(gate) ||
	    pthread_create(&t, NULL, sleeper, NULL)) {
		printf("kbuf: setup failed\n");
		return 1;
	}
	while (!other_stack_top)
		sleep_ms(5);
	sleep_ms(100); /* asleep in read by now: its stack holds still */

	try_all("kernel text", (void *)(uintptr_t)printf, 1, 1);
	/* Their first bytes change with each call and switch: not compared. */
	try_all("struct cpu", (void *)rdmsr(MSR_GS_BASE), 0, 0);
	try_all("own struct thread", (void *)gs_word(8), 0, 0);
	/* A sleeping thread's do not. */
	try_all("another thread's struct thread", (void *)other_thread, 0, 1);
	try_all("another thread's syscall stack", (void *)(other_stack_top - 512), 0, 1);
	try_all("own syscall stack", (void *)(gs_word(16) - STACK_SIZE + 64), 0, 1);
	try_top();

	if (write(gate[1], "x", 1) != 1 || pthread_join(t, NULL))
		failures++;
	printf("kbuf: %d failed\n", failures);
	return failures != 0;
}
