/*
 * syscall: the Linux x86_64 system call layer (portable: also built on the
 * host for the unit tests and the fuzzer).
 *
 * One table, indexed by Linux x86_64 syscall number, describes every call:
 * its name, its handler and the kind of each argument. syscall_dispatch()
 * decodes and validates all arguments against that description first
 * (pointers, strings, flags, file descriptors) and only then calls the
 * handler, so a handler never sees an argument that failed a check.
 * Everything the layer needs from the kernel comes through struct
 * syscall_env. See kernel/syscall/README.md.
 */
#ifndef CARAPACE_SYSCALL_H
#define CARAPACE_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYSCALL_MAX_ARGS 6
/* Table size: every number below this has a slot (most are empty). */
#define SYSCALL_TABLE_SIZE 512
/* Carapace's own calls (the datagram API, <carapace/dgram.h>, and the
 * stream API, <carapace/stream.h>), above every number Linux x86_64 uses. */
#define SYSCALL_NR_CARAPACE_DGRAM_RECV 500
#define SYSCALL_NR_CARAPACE_DGRAM_SEND 501
#define SYSCALL_NR_CARAPACE_STREAM_RECV 502
#define SYSCALL_NR_CARAPACE_STREAM_SEND 503
/* Granularity at which strings are validated. */
#define SYSCALL_PAGE_SIZE 4096
/* Longest path accepted, including its NUL (Linux PATH_MAX). */
#define SYSCALL_PATH_MAX 4096
/* At most this many "not implemented" lines per second, all numbers together. */
#define SYSCALL_LOG_PER_SECOND 10
/* Numbers outside the table that are remembered as already logged. */
#define SYSCALL_LOG_OTHERS 32

enum syscall_arg_kind {
	SYSCALL_ARG_NONE = 0, /* the call has fewer arguments */
	SYSCALL_ARG_INT,      /* a number, passed unchanged */
	SYSCALL_ARG_ADDR,     /* an address the handler interprets (mmap hint,
	                         brk, futex timeout...): not dereferenced here */
	SYSCALL_ARG_FD,       /* a file descriptor: truncated to int as Linux
	                         does; negative -> -EBADF */
	SYSCALL_ARG_DIRFD,    /* as FD, but AT_FDCWD is allowed too */
	SYSCALL_ARG_FLAGS,    /* bits: any bit outside mask -> -EINVAL */
	SYSCALL_ARG_IN,       /* pointer to memory the kernel reads */
	SYSCALL_ARG_OUT,      /* pointer to memory the kernel writes (and may read) */
	SYSCALL_ARG_STRING,   /* pointer to a NUL-terminated string the kernel reads */
};

/* How many bytes an IN or OUT pointer covers. */
enum syscall_size_kind {
	SYSCALL_SIZE_FIXED = 0, /* size bytes */
	SYSCALL_SIZE_ARG,       /* the value of argument size_arg, in bytes */
	SYSCALL_SIZE_ARRAY,     /* argument size_arg elements of size bytes each;
	                           more than max_count elements -> -EINVAL */
	SYSCALL_SIZE_FDSET,     /* an fd_set for argument size_arg descriptors
	                           (select): 8 bytes per 64, the count clamped to
	                           max_count, a negative count -> -EINVAL */
};

/* struct syscall_arg.attrs */
#define SYSCALL_ATTR_OPTIONAL 0x1 /* a NULL pointer is accepted */
#define SYSCALL_ATTR_WIDE     0x2 /* FLAGS: check all 64 bits (Linux type is
                                     unsigned long); otherwise the upper 32
                                     bits are ignored, as for a C int */
#define SYSCALL_ATTR_IN_PLACE 0x4 /* IN/OUT of fixed size: not copied through
                                     the kernel around the handler, which
                                     copies it itself (pipe's fds: written
                                     after the pipe exists, closed again if
                                     the copy fails) */

struct syscall_arg {
	uint8_t kind;       /* enum syscall_arg_kind */
	uint8_t size_kind;  /* enum syscall_size_kind, for IN and OUT */
	uint8_t size_arg;   /* the argument that holds the size or count */
	uint8_t attrs;      /* SYSCALL_ATTR_* */
	uint32_t size;      /* FIXED: bytes; ARRAY: bytes per element;
	                       STRING: longest string accepted, with its NUL */
	uint32_t max_count; /* ARRAY and FDSET */
	uint64_t mask;      /* FLAGS: the bits allowed */
};

struct syscall_env;

/*
 * A handler gets the arguments after validation (file descriptors
 * normalised to int) and returns a result or a negative errno.
 */
typedef long (*syscall_handler_fn)(const struct syscall_env *env,
				   const long args[SYSCALL_MAX_ARGS]);

struct syscall_desc {
	const char *name;           /* NULL: no such call in the table */
	syscall_handler_fn handler; /* NULL: known but not implemented (-ENOSYS) */
	struct syscall_arg args[SYSCALL_MAX_ARGS];
};

/* The clocks the kernel provides; Linux's clock ids map onto these. */
enum syscall_clock {
	SYSCALL_CLOCK_REALTIME,  /* nanoseconds since 1970-01-01 UTC */
	SYSCALL_CLOCK_MONOTONIC, /* nanoseconds since boot */
	SYSCALL_CLOCK_PROCESS,   /* CPU time used by the process */
	SYSCALL_CLOCK_THREAD,    /* CPU time used by the calling thread */
};

/*
 * Mutable state of the "not implemented" rate limit. Zero-initialise it;
 * updated with atomics, so one instance may serve every CPU.
 */
struct syscall_log_limit {
	uint64_t logged[SYSCALL_TABLE_SIZE / 64]; /* numbers in the table */
	long others[SYSCALL_LOG_OTHERS];          /* numbers outside, +1 (0 = free) */
	unsigned others_next;
	uint64_t window_start_ns;                 /* start of the current second */
	unsigned window_lines;                    /* lines logged in it */
};

/*
 * What the layer needs from the kernel. ctx is handed back to every
 * callback. All callbacks are required unless noted.
 */
struct syscall_env {
	void *ctx;
	/*
	 * True when [addr, addr+len) is the application's memory, mapped and,
	 * if want_write, writable. Kernel memory (image, heap, stacks) must be
	 * refused for writes. len > 0 and addr+len <= UINTPTR_MAX (the
	 * range ends below 2^64).
	 */
	bool (*check_user_range)(void *ctx, uintptr_t addr, size_t len,
				 bool want_write);
	/* Prints one line (without a newline at its end). */
	void (*log)(void *ctx, const char *line);
	/* Reads a clock in nanoseconds. */
	uint64_t (*clock_ns)(void *ctx, enum syscall_clock clock);
	/*
	 * Puts the calling thread to sleep for ns > 0 nanoseconds: 0; or
	 * -EINTR when a signal's handler is to run first, the time left in
	 * *left_ns.
	 */
	int (*sleep_ns)(void *ctx, uint64_t ns, uint64_t *left_ns);
	/* Fills buf with len bytes from the kernel's random generator. */
	void (*random)(void *ctx, void *buf, size_t len);
	/* The calling thread's id. */
	int (*gettid)(void *ctx);
	/* Records the calling thread's clear_child_tid address. */
	void (*set_clear_child_tid)(void *ctx, uintptr_t addr);
	/* Total and free RAM in bytes. */
	void (*meminfo)(void *ctx, uint64_t *total, uint64_t *free);
	/*
	 * Optional: RLIMIT_NOFILE, the descriptor table's limits, read and
	 * set (0, or -EINVAL for cur above max, -EPERM for max above what
	 * the table holds). NULL: fixed at 1024 both.
	 */
	void (*nofile_get)(void *ctx, uint64_t *cur, uint64_t *max);
	int (*nofile_set)(void *ctx, uint64_t cur, uint64_t max);

	/*
	 * Optional: SYSCALL_TABLE_SIZE handlers indexed by number; a non-NULL
	 * one replaces the table's. For calls that need the kernel's
	 * subsystems (files, memory, threads), which the portable table cannot
	 * name. Arguments are still validated against the table first.
	 */
	const syscall_handler_fn *kernel_handlers;
	struct syscall_log_limit *log_limit;
	int pid;
	const char *nodename;   /* host name for uname (cut to 64 bytes) */
	unsigned cpu_count;     /* >= 1 */
	uint64_t clock_res_ns;  /* resolution of every clock, >= 1 */
	uint64_t stack_limit;   /* bytes: RLIMIT_STACK */
};

/*
 * The system call entry: validates the arguments of call nr against its
 * table entry, then runs the handler. Returns the result or -errno;
 * -ENOSYS (and one rate-limited log line) for a number with no handler.
 */
long syscall_dispatch(const struct syscall_env *env, long nr, long a0,
		      long a1, long a2, long a3, long a4, long a5);

/*
 * The validation step of syscall_dispatch, on its own: checks raw[] against
 * desc's argument descriptions in argument order and, when all pass, stores
 * the arguments the handler gets in valid[]. Returns 0 or the -errno of the
 * first argument that failed. Exposed for tests and the fuzzer, which can
 * then check entries whose handler is not written yet.
 */
int syscall_validate_args(const struct syscall_env *env,
			  const struct syscall_desc *desc,
			  const long raw[SYSCALL_MAX_ARGS],
			  long valid[SYSCALL_MAX_ARGS]);

/* The table entry of nr, or NULL when nr has none. */
const struct syscall_desc *syscall_lookup(long nr);

/*
 * The check dispatch applies to a pointer argument, for handlers that
 * find more pointers inside structures (iovecs, FIONBIO's int): 0 or
 * -EFAULT. len 0 is always accepted.
 */
int syscall_check_range(const struct syscall_env *env, uintptr_t addr,
			size_t len, bool want_write);

/*
 * The kernel's own environment (kernel/syscall/syscalls.c): what its
 * handlers run with. Read-only after boot (hardening's ro-after-init
 * tests check it).
 */
const struct syscall_env *syscall_kernel_env(void);

#endif
