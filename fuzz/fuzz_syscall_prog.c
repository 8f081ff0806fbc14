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
 * Each input starts from the same process state — descriptors 0-2 only,
 * no mapping, the same files, SIGPIPE ignored — so that a crash replays
 * from its input alone. SIGPIPE is ignored as apps/fuzz_guest ignores it:
 * its default action ends the run (status 145, kernel/syscall/sys_signal.c),
 * which on the fake kernel is a panic, and a program may well write to a
 * pipe whose read end it closed.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <carapace/fs.h>
#include <carapace/layout.h>
#include <carapace/vfs.h>

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

static struct prog_platform platform =
	PROG_PLATFORM(fake_sys, failed, SCRATCH_SIZE, no_access, no_write);

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
	fake_kernel_add_sockets(); /* AF_UNIX and epoll; no other family here */
	fake_user_memory(scratch, SCRATCH_SIZE, ro, PAGE);
}

/*
 * After prog_reset, the process must be back to descriptors 0-2: one the
 * engine made and lost track of (a pipe2 into a buffer of its own, before
 * that was fixed) would outlive its program, and the next program would
 * start from a different state, so its crash would not replay alone.
 */
static void check_no_descriptor_left(void)
{
	struct vfs_fdtable *t = fs_app_files_lock();
	int left = -1;

	for (int fd = 3; fd < VFS_FD_MAX && left < 0; fd++)
		if (vfs_fd_get(t, fd))
			left = fd;
	fs_unlock();
	if (left >= 0) {
		char what[96];

		snprintf(what, sizeof(what), "descriptor %d outlived its program", left);
		failed(what);
	}
}

/* SIGPIPE ignored (rt_sigaction 13: SIG_IGN, an 8-byte mask), for each program. */
static void ignore_sigpipe(void)
{
	memset(scratch, 0, 32);
	((uint64_t *)scratch)[0] = 1; /* SIG_IGN */
	if (fake_sys(13 /* rt_sigaction */, 13 /* SIGPIPE */, (long)scratch, 0, 8, 0, 0) != 0)
		failed("cannot ignore SIGPIPE");
}

/*
 * Removes what is below the directory whose path fills the first len
 * bytes of the scratch, one entry at a time (listed afresh each time, as
 * removing changes the listing); the listing goes to the scratch's second
 * page. Renames move the programs' directories into one another, so what
 * is left under /tmp is not a fixed list of paths.
 */
static void remove_below(size_t len)
{
	char *path = (char *)scratch;

	for (;;) {
		long fd = fake_sys(2 /* open */, (long)path, VFS_O_RDONLY | VFS_O_DIRECTORY, 0, 0, 0, 0);
		long n = fd < 0 ? 0 : fake_sys(217 /* getdents64 */, fd, (long)(scratch + PAGE), PAGE,
					       0, 0, 0);
		const char *name = NULL;
		uint8_t type = 0;

		if (fd >= 0)
			fake_sys(3 /* close */, fd, 0, 0, 0, 0, 0);
		/* struct linux_dirent64: ino, off (8 bytes each), reclen (2), type (1), name */
		for (long at = 0; at + 19 < n && !name;) {
			const char *d_name = (const char *)scratch + PAGE + at + 19;
			uint16_t reclen;

			memcpy(&reclen, scratch + PAGE + at + 16, sizeof(reclen));
			if (strcmp(d_name, ".") && strcmp(d_name, "..")) {
				name = d_name;
				type = scratch[PAGE + at + 18];
			}
			at += reclen ? reclen : n;
		}
		if (!name)
			return;
		size_t add = strlen(name);

		if (len + 1 + add >= PAGE)
			failed("a path under /tmp too long for the harness to remove");
		path[len] = '/';
		memmove(path + len + 1, name, add + 1);
		if (type == VFS_DT_DIR)
			remove_below(len + 1 + add);
		if (fake_sys(type == VFS_DT_DIR ? 84 /* rmdir */ : 87 /* unlink */, (long)path,
			     0, 0, 0, 0, 0) != 0)
			failed("cannot remove what a program left under /tmp");
		path[len] = '\0';
	}
}

/* The files and mappings a program left, and its working directory. */
static void remove_files(void)
{
	remove_below(strlen(strcpy((char *)scratch, "/tmp")));
	fake_sys(80 /* chdir */, (long)strcpy((char *)scratch, "/"), 0, 0, 0, 0, 0);
	/* What partial munmaps and mremaps left of the program's mappings. */
	fake_sys(11 /* munmap */, (long)APP_MMAP_BASE, (long)(APP_MMAP_LIMIT - APP_MMAP_BASE),
		 0, 0, 0, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!scratch)
		set_up();
	ignore_sigpipe();
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
	prog_reset(&state);
	check_no_descriptor_left();
	return 0;
}
