/*
 * Syscall programs: a sequence of calls over typed resources (descriptors
 * of files, directories, pipes and eventfds; mappings; futex words),
 * decoded from bytes, syzkaller-style. The same engine runs on the host
 * against the kernel's syscall handlers (fuzz/fuzz_syscall_prog.c, on the fake
 * kernel of tests/unit/kernel_fakes.c) and inside Carapace through real
 * system calls (apps/fuzz_guest), so a program found in one replays in the
 * other.
 *
 * A program is a list of records of PROG_RECORD bytes, one call each: the
 * first byte picks the call (its id, stable: fuzz/README.md), the others
 * are its arguments, read as the call needs them. Results become
 * resources that later calls take (an fd from open, a mapping from mmap).
 * Each call is checked as it returns: a result outside Linux's ranges, a
 * call that succeeded on memory the application may not touch, an mmap
 * over the engine's own memory are failures (prog_platform.failed).
 */
#ifndef CARAPACE_FUZZ_SYSCALL_PROG_H
#define CARAPACE_FUZZ_SYSCALL_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROG_RECORD   16
#define PROG_MAX_FDS  24
#define PROG_MAX_MAPS 12
/* Call ids are the first byte modulo this; see syscall_prog.c's table. */
#define PROG_CALL_IDS 64

/*
 * What a call needs from where it runs. sys returns Linux's raw result
 * (-errno on failure). scratch is memory the engine writes arguments into
 * (paths, iovecs, pollfd arrays) and the kernel writes results to; it must
 * have an inaccessible page right before and right after it.
 */
struct prog_platform {
	long (*sys)(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
	uint8_t *scratch;
	size_t scratch_len;
	/* Addresses no call may read or write (kernel memory, guard pages,
	   non-canonical), and ones it may read but not write. */
	const uintptr_t *no_access;
	size_t n_no_access;
	const uintptr_t *no_write;
	size_t n_no_write;
	/* A check failed: what, in one line. Need not return. */
	void (*failed)(const char *what);
};

/*
 * A platform's fixed part, for a static initializer: the two places that
 * run programs (the host harness and the in-guest fuzzer) name their
 * calls, their failure report, their scratch's size and their two address
 * lists (arrays, counted here); the scratch's address comes at set-up.
 */
#define PROG_PLATFORM(sys_fn, failed_fn, scratch_size, no_access_list, no_write_list) \
	{                                                                                     \
		.sys = (sys_fn), .scratch_len = (scratch_size),                               \
		.no_access = (no_access_list),                                                \
		.n_no_access = sizeof(no_access_list) / sizeof((no_access_list)[0]),          \
		.no_write = (no_write_list),                                                  \
		.n_no_write = sizeof(no_write_list) / sizeof((no_write_list)[0]),             \
		.failed = (failed_fn),                                                        \
	}

/* Resource kinds. */
enum prog_kind {
	PROG_FILE,
	PROG_DIR,
	PROG_PIPE_READ,
	PROG_PIPE_WRITE,
	PROG_EVENTFD,
	PROG_SOCKET, /* any family and type; always O_NONBLOCK */
	PROG_EPOLL,
	PROG_TIMERFD, /* always TFD_NONBLOCK */
	PROG_KINDS,
};

struct prog_fd {
	int fd;
	enum prog_kind kind;
};

struct prog_map {
	uintptr_t addr;
	size_t len;
};

struct prog_state {
	const struct prog_platform *p;
	struct prog_fd fds[PROG_MAX_FDS];
	unsigned nfds;
	struct prog_map maps[PROG_MAX_MAPS];
	unsigned nmaps;
	uint64_t calls;
	/* Which resource a full pool gives up next: in turn, so that only calls
	   that make or drop resources change which ones later calls get. */
	unsigned fd_victim, map_victim;
	int last_closed; /* the descriptor number a close freed last (pick_fd's edge), or -2 */
};

void prog_init(struct prog_state *s, const struct prog_platform *p);
/* Runs one record's call; returns the system call's result. */
long prog_run_call(struct prog_state *s, const uint8_t record[PROG_RECORD]);
/* Closes every descriptor and unmaps every mapping the program made. */
void prog_reset(struct prog_state *s);
/* The name of the call a record makes ("open", "raw", ...). */
const char *prog_call_name(const uint8_t record[PROG_RECORD]);

#endif
