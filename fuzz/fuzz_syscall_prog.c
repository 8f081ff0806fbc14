/*
 * Syscall programs (fuzz/prog/syscall_prog.h) against the kernel's
 * handlers on the fake kernel of tests/unit/kernel_fakes.c: each input is
 * a list of 16-byte records, one call each, over typed resources (files,
 * directories, pipes, eventfds, mappings, futex words). The same programs
 * run inside Carapace with apps/fuzz_guest.
 *
 * The application's memory here is
 *
 *     [guard][scratch: 2 pages][guard][read-only: 1 page][guard]
 *
 * registered with the fake kernel as the application's buffers, besides
 * the pages the program maps. Guard pages and addresses of the kernel half
 * are memory no call may touch, the read-only page memory no call may
 * write; the engine checks each call's result against them, and here
 * also that no handler asked the page map for memory outside the low half.
 * Each input starts from no descriptor, no mapping and the same files, so
 * that a crash replays from its input alone.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <carapace/layout.h>

#include "kernel_fakes.h"
#include "prog/syscall_prog.h"

#define PAGE         4096
#define SCRATCH_SIZE (2 * PAGE)
#define MAX_CALLS    (1 << 20) /* a reduction replays a guest run whole */

static uint8_t *scratch, *ro;
static uintptr_t no_access[6], no_write[1];
static struct prog_state state;
/* PROG_TRACE=1 in the environment: each call and its result on stderr. */
static bool trace, checked_trace;

static long fake_sys(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return fake_syscall(nr, a0, a1, a2, a3, a4, a5);
}

static void failed(const char *what)
{
	fprintf(stderr, "fuzz_syscall_prog: %s\n", what);
	abort();
}

static struct prog_platform platform = {
	.sys = fake_sys,
	.scratch_len = SCRATCH_SIZE,
	.no_access = no_access,
	.n_no_access = sizeof(no_access) / sizeof(no_access[0]),
	.no_write = no_write,
	.n_no_write = sizeof(no_write) / sizeof(no_write[0]),
	.failed = failed,
};

static void set_up(void)
{
	uint8_t *m = mmap(NULL, SCRATCH_SIZE + 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		failed("cannot map the application's memory");
	scratch = m + PAGE;
	ro = scratch + SCRATCH_SIZE + PAGE;
	if (mprotect(scratch, SCRATCH_SIZE, PROT_READ | PROT_WRITE) || mprotect(ro, PAGE, PROT_READ))
		failed("cannot set the application's memory up");
	platform.scratch = scratch;
	no_access[0] = (uintptr_t)m;                        /* the guard before */
	no_access[1] = (uintptr_t)(scratch + SCRATCH_SIZE); /* the guard after */
	no_access[2] = (uintptr_t)(ro + PAGE);
	no_access[3] = 0xffff800000000000ul;                /* the kernel half */
	no_access[4] = 0x0000800000000000ul;                /* non-canonical */
	no_access[5] = (uintptr_t)&state;                   /* the "kernel's" own memory */
	no_write[0] = (uintptr_t)ro;
	fake_kernel_init(FAKE_SCHED_NEVER_BLOCK);
	fake_user_memory(scratch, SCRATCH_SIZE, ro, PAGE);
}

/* The files a program may have made, deepest first. */
static void remove_files(void)
{
	static const char *const paths[] = { "/tmp/d/e/f", "/tmp/a/x", "/tmp/d/e", "/tmp/d",
					     "/tmp/a", "/tmp/b" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		strcpy((char *)scratch, paths[i]);
		fake_sys(87 /* unlink */, (long)scratch, 0, 0, 0, 0, 0);
		fake_sys(84 /* rmdir */, (long)scratch, 0, 0, 0, 0, 0);
	}
	fake_sys(80 /* chdir */, (long)strcpy((char *)scratch, "/"), 0, 0, 0, 0, 0);
	/* What partial munmaps and mremaps left of the program's mappings. */
	fake_sys(11 /* munmap */, (long)APP_MMAP_BASE, (long)(APP_MMAP_LIMIT - APP_MMAP_BASE),
		 0, 0, 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!scratch)
		set_up();
	prog_reset(&state);
	remove_files();
	prog_init(&state, &platform);
	if (!checked_trace) {
		trace = getenv("PROG_TRACE") != NULL;
		checked_trace = true;
	}
	for (size_t at = 0; at + PROG_RECORD <= size && at / PROG_RECORD < MAX_CALLS;
	     at += PROG_RECORD) {
		long r = prog_run_call(&state, data + at);

		if (trace)
			fprintf(stderr, "%zu %s -> %ld\n", at / PROG_RECORD,
				prog_call_name(data + at), r);
		if (fake_outside_requests() != 0)
			failed("a handler asked the page map for memory outside the low half");
	}
	return 0;
}
