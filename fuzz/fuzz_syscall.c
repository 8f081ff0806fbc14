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

static void fill_random(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	memset(buf, 0x5a, n);
}

static bool console(void *ctx, int fd)
{
	(void)ctx;
	return fd == 1;
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

static const struct syscall_env env = {
	.check_user_range = user_range,
	.log = log_line,
	.clock_ns = clock_read,
	.random = fill_random,
	.is_console = console,
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

	for (size_t at = 0; at + RECORD <= size; at += RECORD) {
		const uint8_t *r = data + at;
		long nr = pick_number(r[0], r[1]);
		long a[SYSCALL_MAX_ARGS], valid[SYSCALL_MAX_ARGS];

		for (int i = 0; i < SYSCALL_MAX_ARGS; i++)
			a[i] = pick_arg(r[2 + 3 * i],
					(uint16_t)(r[3 + 3 * i] | r[4 + 3 * i] << 8));
		ticks++;
		long ret = syscall_dispatch(&env, nr, a[0], a[1], a[2], a[3],
					    a[4], a[5]);
		const struct syscall_desc *d = syscall_lookup(nr);
		if (!d || !d->handler)
			CHECK(ret == -ENOSYS);
		if (d)
			CHECK(syscall_validate_args(&env, d, a, valid) <= 0);
	}
	return 0;
}
