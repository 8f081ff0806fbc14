/*
 * syscall_dispatch: decode and validate every argument of a system call
 * first, then run its handler (seL4's shape at a trust boundary), so a
 * handler acts only on arguments that passed and cannot fail halfway on
 * one of them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/fmt.h>
#include <carapace/syscall.h>

#include "syscall_impl.h"

#define NS_PER_SECOND 1000000000ull

int syscall_check_range(const struct syscall_env *env, uintptr_t addr,
			size_t len, bool want_write)
{
	if (len == 0)
		return 0;
	/*
	 * NULL is never the application's; [addr, addr+len) must end below
	 * 2^64: a range that wraps, or ends exactly at 2^64 (an end that
	 * computes as 0), is refused before anyone walks it.
	 */
	if (addr == 0 || len > UINTPTR_MAX - addr)
		return -EFAULT;
	if (!env->check_user_range(env->ctx, addr, len, want_write))
		return -EFAULT;
	return 0;
}

/*
 * A NUL-terminated string of at most max bytes with its NUL: each page is
 * checked before a byte of it is read. -ENAMETOOLONG when no NUL comes
 * within max bytes, -EFAULT at the first byte that is not readable.
 */
static int check_string(const struct syscall_env *env, uintptr_t addr,
			size_t max)
{
	size_t scanned = 0;

	while (scanned < max) {
		size_t chunk = SYSCALL_PAGE_SIZE - addr % SYSCALL_PAGE_SIZE;

		if (chunk > max - scanned)
			chunk = max - scanned;
		int err = syscall_check_range(env, addr, chunk, false);
		if (err)
			return err;
		if (strnlen((const char *)addr, chunk) < chunk)
			return 0;
		scanned += chunk;
		if (chunk > UINTPTR_MAX - addr)
			return -EFAULT; /* the next byte would be at address 0 */
		addr += chunk;
	}
	return -ENAMETOOLONG;
}

/* Bytes covered by a pointer argument; -EINVAL for a count Linux refuses. */
static int pointer_len(const struct syscall_arg *arg,
		       const long raw[SYSCALL_MAX_ARGS], size_t *len)
{
	unsigned long count = (unsigned long)raw[arg->size_arg % SYSCALL_MAX_ARGS];

	switch (arg->size_kind) {
	case SYSCALL_SIZE_FIXED:
		*len = arg->size;
		return 0;
	case SYSCALL_SIZE_ARG:
		*len = count;
		return 0;
	case SYSCALL_SIZE_ARRAY:
		/* max_count also keeps count * size from overflowing. */
		if (count > arg->max_count)
			return -EINVAL;
		*len = count * arg->size;
		return 0;
	case SYSCALL_SIZE_FDSET: {
		int n = (int)count; /* select's nfds is an int */

		if (n < 0)
			return -EINVAL;
		if ((unsigned)n > arg->max_count)
			n = (int)arg->max_count;
		*len = ((size_t)n + 63) / 64 * 8;
		return 0;
	}
	}
	return -EINVAL;
}

static int check_pointer(const struct syscall_env *env,
			 const struct syscall_arg *arg,
			 const long raw[SYSCALL_MAX_ARGS], uintptr_t addr)
{
	size_t len;

	if (addr == 0 && (arg->attrs & SYSCALL_ATTR_OPTIONAL))
		return 0;
	if (arg->kind == SYSCALL_ARG_STRING)
		return check_string(env, addr, arg->size);
	int err = pointer_len(arg, raw, &len);
	if (err)
		return err;
	return syscall_check_range(env, addr, len,
				   arg->kind == SYSCALL_ARG_OUT);
}

/* Checks one argument; *out is the value the handler gets. */
static int check_arg(const struct syscall_env *env,
		     const struct syscall_arg *arg,
		     const long raw[SYSCALL_MAX_ARGS], long value, long *out)
{
	*out = value;
	switch (arg->kind) {
	case SYSCALL_ARG_NONE:
		*out = 0;
		return 0;
	case SYSCALL_ARG_INT:
	case SYSCALL_ARG_ADDR:
		return 0;
	case SYSCALL_ARG_FD:
	case SYSCALL_ARG_DIRFD: {
		/* Linux's fd parameters are (unsigned) int: upper bits ignored. */
		int fd = (int)(uint32_t)value;

		*out = fd;
		if (fd >= 0 || (arg->kind == SYSCALL_ARG_DIRFD &&
				 fd == LINUX_AT_FDCWD))
			return 0;
		return -EBADF;
	}
	case SYSCALL_ARG_FLAGS: {
		uint64_t bits = (uint64_t)value;

		if (!(arg->attrs & SYSCALL_ATTR_WIDE))
			bits = (uint32_t)bits;
		*out = (long)bits;
		return (bits & ~arg->mask) ? -EINVAL : 0;
	}
	case SYSCALL_ARG_IN:
	case SYSCALL_ARG_OUT:
	case SYSCALL_ARG_STRING:
		return check_pointer(env, arg, raw, (uintptr_t)value);
	}
	return -EINVAL;
}

int syscall_validate_args(const struct syscall_env *env,
			  const struct syscall_desc *desc,
			  const long raw[SYSCALL_MAX_ARGS],
			  long valid[SYSCALL_MAX_ARGS])
{
	for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
		int err = check_arg(env, &desc->args[i], raw, raw[i], &valid[i]);
		if (err)
			return err;
	}
	return 0;
}

/* True the first time nr is seen here (numbers in and outside the table). */
static bool first_report(struct syscall_log_limit *lim, long nr)
{
	if (nr >= 0 && nr < SYSCALL_TABLE_SIZE) {
		uint64_t bit = 1ull << (nr % 64);
		uint64_t old = __atomic_fetch_or(&lim->logged[nr / 64], bit,
						 __ATOMIC_RELAXED);
		return !(old & bit);
	}
	/* Outside the table, 0 marks a free slot: 0 is never stored there. */
	for (unsigned i = 0; i < SYSCALL_LOG_OTHERS; i++)
		if (__atomic_load_n(&lim->others[i], __ATOMIC_RELAXED) == nr)
			return false;
	unsigned slot = __atomic_fetch_add(&lim->others_next, 1,
					   __ATOMIC_RELAXED);
	__atomic_store_n(&lim->others[slot % SYSCALL_LOG_OTHERS], nr,
			 __ATOMIC_RELAXED);
	return true;
}

static bool already_reported(struct syscall_log_limit *lim, long nr)
{
	if (nr >= 0 && nr < SYSCALL_TABLE_SIZE)
		return __atomic_load_n(&lim->logged[nr / 64], __ATOMIC_RELAXED) &
		       (1ull << (nr % 64));
	for (unsigned i = 0; i < SYSCALL_LOG_OTHERS; i++)
		if (__atomic_load_n(&lim->others[i], __ATOMIC_RELAXED) == nr)
			return true;
	return false;
}

/* Takes one line from this second's budget; false when it is spent. */
static bool take_line(const struct syscall_env *env,
		      struct syscall_log_limit *lim)
{
	uint64_t now = env->clock_ns(env->ctx, SYSCALL_CLOCK_MONOTONIC);
	uint64_t start = __atomic_load_n(&lim->window_start_ns, __ATOMIC_RELAXED);

	if (now - start >= NS_PER_SECOND) {
		__atomic_store_n(&lim->window_start_ns, now, __ATOMIC_RELAXED);
		__atomic_store_n(&lim->window_lines, 0, __ATOMIC_RELAXED);
	}
	return __atomic_fetch_add(&lim->window_lines, 1, __ATOMIC_RELAXED) <
	       SYSCALL_LOG_PER_SECOND;
}

/*
 * One line per number, at most SYSCALL_LOG_PER_SECOND lines a second. A
 * number whose line the budget held back is logged at its next call.
 */
static void report_unimplemented(const struct syscall_env *env, long nr,
				 const struct syscall_desc *desc)
{
	struct syscall_log_limit *lim = env->log_limit;
	char line[80];

	if (already_reported(lim, nr) || !take_line(env, lim) ||
	    !first_report(lim, nr))
		return;
	if (desc)
		fmt_snprintf(line, sizeof(line),
			     "carapace: syscall %s (%ld) is not implemented",
			     desc->name, nr);
	else
		fmt_snprintf(line, sizeof(line),
			     "carapace: syscall %ld is not implemented", nr);
	env->log(env->ctx, line);
}

/*
 * Small fixed-size structures (stat, timespec, utsname, sigaction...) are
 * copied into the kernel before the handler runs and back after it, with
 * app_copy: the handler then works on kernel memory that no other thread
 * can unmap, and a buffer that vanished meanwhile is -EFAULT, not a fault
 * that ends the run. Larger buffers (read's, getdents64's) are copied by
 * the handlers themselves with app_copy.
 */
#define BOUNCE_BYTES 1024 /* per call: utsname (390) twice fits */
#define ALIGN16(n)   (((n) + 15) & ~(size_t)15)

struct bounce {
	uint8_t *app;    /* the application's buffer; NULL: not bounced */
	uint8_t *copy;   /* what the handler sees */
	uint8_t *before; /* OUT: the bytes as read, to write back only a change */
	uint32_t len;
};

static bool bounced(const struct syscall_arg *arg)
{
	return (arg->kind == SYSCALL_ARG_IN || arg->kind == SYSCALL_ARG_OUT) &&
	       arg->size_kind == SYSCALL_SIZE_FIXED &&
	       !(arg->attrs & SYSCALL_ATTR_IN_PLACE);
}

/*
 * Copies in the arguments of mask (bit i: argument i is bounced() and not
 * NULL); valid[] then points at the copies. Those that do not fit are left
 * in place and taken out of *mask.
 */
static int bounce_in(const struct syscall_desc *desc, long valid[SYSCALL_MAX_ARGS],
		     struct bounce b[SYSCALL_MAX_ARGS], uint8_t *area, unsigned *mask)
{
	size_t used = 0;

	for (unsigned left = *mask; left; left &= left - 1) {
		int i = __builtin_ctz(left);
		const struct syscall_arg *arg = &desc->args[i];
		size_t len = arg->size, need = ALIGN16(len) * (arg->kind == SYSCALL_ARG_OUT ? 2 : 1);

		if (need > BOUNCE_BYTES - used) {
			*mask &= ~(1u << i); /* no room: left in place */
			continue;
		}
		b[i] = (struct bounce){ (uint8_t *)valid[i], area + used, NULL, (uint32_t)len };
		if (arg->kind == SYSCALL_ARG_OUT)
			b[i].before = area + used + ALIGN16(len);
		used += need;
		if (app_copy(b[i].copy, b[i].app, len))
			return -EFAULT;
		if (b[i].before)
			memcpy(b[i].before, b[i].copy, len);
		valid[i] = (long)b[i].copy;
	}
	return 0;
}

/* Writes back what the handler changed in each OUT copy of mask: -EFAULT if that fails. */
static int bounce_out(const struct bounce b[SYSCALL_MAX_ARGS], unsigned mask)
{
	int err = 0;

	for (; mask; mask &= mask - 1) {
		int i = __builtin_ctz(mask);

		if (b[i].before && memcmp(b[i].before, b[i].copy, b[i].len) != 0 &&
		    app_copy(b[i].app, b[i].copy, b[i].len))
			err = -EFAULT;
	}
	return err;
}

/*
 * Path strings are read once more, into the kernel, with app_copy, page by
 * page (each page checked again first): the handler and the VFS then read
 * a copy that no other thread can unmap or change under them. The copy is
 * what counts: a string whose NUL vanished since the check is
 * -ENAMETOOLONG, a page that vanished -EFAULT. No call takes more than
 * two paths (rename, renameat).
 */
#define MAX_STRINGS 2

static int copy_string(const struct syscall_env *env, uintptr_t addr, char *dst)
{
	size_t scanned = 0;

	while (scanned < SYSCALL_PATH_MAX) {
		size_t chunk = SYSCALL_PAGE_SIZE - addr % SYSCALL_PAGE_SIZE;

		if (chunk > SYSCALL_PATH_MAX - scanned)
			chunk = SYSCALL_PATH_MAX - scanned;
		if (syscall_check_range(env, addr, chunk, false) ||
		    app_copy(dst + scanned, (const void *)addr, chunk))
			return -EFAULT;
		if (strnlen(dst + scanned, chunk) < chunk)
			return 0;
		scanned += chunk;
		if (chunk > UINTPTR_MAX - addr)
			return -EFAULT;
		addr += chunk;
	}
	return -ENAMETOOLONG;
}

/* Runs the handler on kernel copies of the call's path strings. */
static __attribute__((noinline)) long
call_with_strings(const struct syscall_env *env, const struct syscall_desc *desc,
		  syscall_handler_fn handler, long valid[SYSCALL_MAX_ARGS])
{
	char strings[MAX_STRINGS][SYSCALL_PATH_MAX];
	int n = 0;

	for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
		if (desc->args[i].kind != SYSCALL_ARG_STRING || valid[i] == 0)
			continue; /* a NULL optional string stays NULL */
		if (n == MAX_STRINGS || desc->args[i].size != SYSCALL_PATH_MAX)
			return -EINVAL; /* a table entry this code does not know */
		int err = copy_string(env, (uintptr_t)valid[i], strings[n]);
		if (err)
			return err;
		valid[i] = (long)strings[n++];
	}
	return handler(env, valid);
}

long syscall_dispatch(const struct syscall_env *env, long nr, long a0,
		      long a1, long a2, long a3, long a4, long a5)
{
	const struct syscall_desc *desc = syscall_lookup(nr);
	const long raw[SYSCALL_MAX_ARGS] = { a0, a1, a2, a3, a4, a5 };
	long valid[SYSCALL_MAX_ARGS], rc;
	struct bounce b[SYSCALL_MAX_ARGS];
	_Alignas(16) uint8_t area[BOUNCE_BYTES];

	syscall_handler_fn handler = desc ? desc->handler : NULL;

	/* The kernel's own handlers (those that need its subsystems) come first. */
	if (desc && env->kernel_handlers && env->kernel_handlers[nr])
		handler = env->kernel_handlers[nr];
	if (!handler) {
		report_unimplemented(env, nr, desc);
		return -ENOSYS;
	}
	/*
	 * syscall_validate_args' checks, one pass that also notes the
	 * arguments to bounce and whether any is a path: the later steps then
	 * visit only those (a call with none skips them).
	 */
	unsigned to_bounce = 0;
	bool strings = false;

	for (int i = 0; i < SYSCALL_MAX_ARGS; i++) {
		const struct syscall_arg *arg = &desc->args[i];
		int err = check_arg(env, arg, raw, raw[i], &valid[i]);

		if (err)
			return err;
		strings |= arg->kind == SYSCALL_ARG_STRING;
		if (bounced(arg) && valid[i] != 0 && arg->size != 0)
			to_bounce |= 1u << i;
	}
	if (to_bounce) {
		int err = bounce_in(desc, valid, b, area, &to_bounce);

		if (err)
			return err;
	}
	rc = strings ? call_with_strings(env, desc, handler, valid) : handler(env, valid);
	if (to_bounce) {
		int err = bounce_out(b, to_bounce);

		if (err && rc >= 0)
			return err;
	}
	return rc;
}
