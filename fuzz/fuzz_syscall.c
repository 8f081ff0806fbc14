/*
 * Fuzzes syscall_dispatch (and the validation of every table entry, with
 * or without a handler) with calls decoded from the input, against a fake
 * application memory made of real pages:
 *
 *     [guard][read-write: 2 pages][guard][read-only: 1 page][guard]
 *
 * Guards are PROT_NONE and the read-only page is PROT_READ, so a pointer
 * that slipped through validation crashes on use; ASan watches the rest.
 * Each call is 20 bytes: a number selector (2 bytes), then per argument a
 * kind selector and a 16-bit operand that place it in, around or far
 * outside the fake memory. The input itself fills the read-write pages,
 * so its zero bytes end strings.
 *
 * kernel/syscall's kernel-side handlers (files on a ramfs, memory on a page map of the low
 * half, process, threads, futex, poll) answer too, on the fake kernel of
 * tests/unit/kernel_fakes.c, whose waits never block. A few calls are
 * tamed first so that none can wait forever or end the harness: pipes and
 * eventfds are always O_NONBLOCK, poll and select get a finite timeout, a
 * clone that would start a thread is left out (its frame is read through
 * %gs), and exit and abort return here through fake_exit_jump. The
 * kernel's state (files, descriptors, mappings) carries over from one
 * input to the next; descriptors and mappings are dropped before each.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <carapace/syscall.h>

#include "kernel_fakes.h"
#include <carapace/layout.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define PAGE    4096
#define RW_SIZE (2 * PAGE)
#define RO_SIZE PAGE
#define RECORD  (2 + 3 * SYSCALL_MAX_ARGS)

static uint8_t *rw, *ro;
static long known[SYSCALL_TABLE_SIZE];
static size_t nknown;
static uint64_t ticks;
static struct syscall_log_limit limit;

static bool in_buf(uintptr_t a, size_t n, const uint8_t *buf, size_t size)
{
	uintptr_t b = (uintptr_t)buf;

	return a >= b && n <= size && a - b <= size - n;
}

static bool user_range(void *ctx, uintptr_t a, size_t n, bool write)
{
	(void)ctx;
	CHECK(n > 0 && a + (n - 1) >= a);
	return in_buf(a, n, rw, RW_SIZE) || (!write && in_buf(a, n, ro, RO_SIZE));
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	CHECK(strncmp(line, "carapace: syscall ", 18) == 0);
	CHECK(strchr(line, '\n') == NULL);
}

static uint64_t clock_read(void *ctx, enum syscall_clock c)
{
	(void)ctx;
	return ticks * 250000000ull + (uint64_t)c;
}

/* A sleep returns at once: the fuzzer must not wait. */
static int sleep_ns(void *ctx, uint64_t ns, uint64_t *left_ns)
{
	(void)ctx;
	(void)ns;
	(void)left_ns;
	return 0;
}

static void fill_random(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	memset(buf, 0x5a, n);
}

static int tid(void *ctx)
{
	(void)ctx;
	return 7;
}

static void set_tid(void *ctx, uintptr_t a)
{
	(void)ctx;
	(void)a;
}

static void mem(void *ctx, uint64_t *total, uint64_t *avail)
{
	(void)ctx;
	*total = 1u << 30;
	*avail = 1u << 29;
}

static struct syscall_env env = {
	.check_user_range = user_range,
	.log = log_line,
	.clock_ns = clock_read,
	.sleep_ns = sleep_ns,
	.random = fill_random,
	.gettid = tid,
	.set_clear_child_tid = set_tid,
	.meminfo = mem,
	.log_limit = &limit,
	.pid = 1,
	.nodename = "fuzz",
	.cpu_count = 130,
	.clock_res_ns = 1,
	.stack_limit = 1u << 20,
};

static void map_memory(void)
{
	uint8_t *m = mmap(NULL, RW_SIZE + RO_SIZE + 3 * PAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(m != MAP_FAILED);
	rw = m + PAGE;
	ro = rw + RW_SIZE + PAGE;
	CHECK(mprotect(rw, RW_SIZE, PROT_READ | PROT_WRITE) == 0);
	CHECK(mprotect(ro, RO_SIZE, PROT_READ | PROT_WRITE) == 0);
	memset(ro, 'r', RO_SIZE - 1);
	ro[RO_SIZE - 1] = '\0';
	CHECK(mprotect(ro, RO_SIZE, PROT_READ) == 0);
	for (long nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
		if (syscall_lookup(nr))
			known[nknown++] = nr;
	fake_kernel_init(FAKE_SCHED_NEVER_BLOCK);
	env.kernel_handlers = fake_env()->kernel_handlers;
}

#define NR_CLOSE    3
#define NR_POLL     7
#define NR_MUNMAP   11
#define NR_PIPE     22
#define NR_SELECT   23
#define NR_PAUSE    34
#define NR_CLONE    56
#define NR_FCNTL    72
#define NR_RT_SIGSUSPEND 130
#define NR_PSELECT6 270
#define NR_PPOLL    271
#define NR_EVENTFD2 290
#define NR_PIPE2    293
#define LX_O_NONBLOCK 04000
#define LX_F_SETFL    4
#define CLONE_THREAD_FLAGS 0x10900 /* CLONE_VM | CLONE_SIGHAND | CLONE_THREAD */
#define CLONE_VFORK   0x4000
#define TIMEOUT_MAX_S 1000

/* A timeout argument made finite: NULL becomes zero, seconds are cut short. */
static void tame_timeout(long *arg)
{
	uintptr_t a = (uintptr_t)*arg;
	int64_t sec;

	if (a == 0) {
		*arg = (long)(rw + RW_SIZE - 16); /* zeroed for each input */
		return;
	}
	if (!in_buf(a, 16, rw, RW_SIZE))
		return; /* refused by the table */
	memcpy(&sec, (void *)a, sizeof(sec));
	if (sec > TIMEOUT_MAX_S || sec < -TIMEOUT_MAX_S) {
		sec %= TIMEOUT_MAX_S;
		memcpy((void *)a, &sec, sizeof(sec));
	}
}

/* False when the call must not run (see the top of the file). */
static bool tame(long *nr, long a[SYSCALL_MAX_ARGS])
{
	switch (*nr) {
	case NR_PIPE:
		*nr = NR_PIPE2;
		a[1] = LX_O_NONBLOCK;
		return true;
	case NR_PIPE2:
	case NR_EVENTFD2:
		a[1] |= LX_O_NONBLOCK;
		return true;
	case NR_FCNTL:
		if ((int)a[1] == LX_F_SETFL)
			a[2] |= LX_O_NONBLOCK;
		return true;
	case NR_POLL:
		if ((int)a[2] < 0 || (int)a[2] > TIMEOUT_MAX_S * 1000)
			a[2] = 0;
		return true;
	case NR_PPOLL:
		tame_timeout(&a[2]);
		return true;
	case NR_SELECT:
	case NR_PSELECT6:
		tame_timeout(&a[4]);
		return true;
	case NR_PAUSE:
	case NR_RT_SIGSUSPEND:
		return false; /* they sleep until a signal from another thread: none comes here */
	case NR_CLONE:
		return ((uint64_t)a[0] & CLONE_THREAD_FLAGS) != CLONE_THREAD_FLAGS ||
		       ((uint64_t)a[0] & CLONE_VFORK) || a[1] == 0;
	default:
		return true;
	}
}

/* What one input leaves behind that the next need not see. */
static void drop_kernel_state(void)
{
	for (long fd = 3; fd < 1024; fd++)
		syscall_dispatch(&env, NR_CLOSE, fd, 0, 0, 0, 0, 0);
	syscall_dispatch(&env, NR_MUNMAP, (long)APP_MMAP_BASE,
			 (long)(APP_MMAP_LIMIT - APP_MMAP_BASE), 0, 0, 0, 0);
}

static long pick_number(uint8_t sel, uint8_t op)
{
	static const long odd[] = { -1, -100, SYSCALL_TABLE_SIZE, 999,
				    LONG_MIN, LONG_MAX, 15, 0x100000000L };

	if (sel < 0xe0)
		return known[op % nknown];
	if (sel < 0xf0)
		return op + (sel & 1) * 256;
	return odd[op % (sizeof(odd) / sizeof(odd[0]))];
}

static long pick_arg(uint8_t sel, uint16_t op)
{
	switch (sel % 10) {
	case 0: return (int16_t)op;
	case 1: return (long)(rw - 64 + op % (RW_SIZE + 128));
	case 2: return (long)(ro - 64 + op % (RO_SIZE + 128));
	case 3: return 0;
	case 4: return (long)(UINTPTR_MAX - op);
	case 5: return (long)((uint64_t)op << 32 | op);
	case 6: return (op & 1) ? -1 : -100;
	case 7: return (long)(rw + RW_SIZE - op % 64);
	case 8: return op;
	default: return (long)((uint64_t)op << 48);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rw)
		map_memory();
	memset(&limit, 0, sizeof(limit));
	for (size_t i = 0; i < RW_SIZE; i++)
		rw[i] = size ? data[i % size] : 0;
	memset(rw + RW_SIZE - 16, 0, 16);
	drop_kernel_state();

	for (size_t at = 0; at + RECORD <= size; at += RECORD) {
		const uint8_t *r = data + at;
		long nr = pick_number(r[0], r[1]);
		long a[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];

		for (int i = 0; i < SYSCALL_MAX_ARGS; i++)
			a[i] = pick_arg(r[2 + 3 * i],
					(uint16_t)(r[3 + 3 * i] | r[4 + 3 * i] << 8));
		ticks++;
		if (!tame(&nr, a))
			continue;
		jmp_buf exited;
		volatile long ret = 0;
		fake_exit_jump = &exited;
		if (!setjmp(exited))
			ret = syscall_dispatch(&env, nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		else
			ret = 0; /* exit, exit_group or abort: the run would end here */
		fake_exit_jump = NULL;
		const struct syscall_desc *d = syscall_lookup(nr);
		bool kernel = nr >= 0 && nr < SYSCALL_TABLE_SIZE && env.kernel_handlers[nr];
		if (!d || (!d->handler && !kernel))
			CHECK(ret == -ENOSYS);
		if (d)
			CHECK(syscall_validate_args(&env, d, a, valid) <= 0);
	}
	return 0;
}
