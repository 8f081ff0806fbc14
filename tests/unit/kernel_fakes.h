/*
 * A small fake kernel under kernel/syscall's kernel-side handlers (sys_files.c,
 * sys_memory.c, sys_signal.c, sys_thread.c, futex.c, sys_poll.c), so that
 * the host tests and the syscall fuzzer run those same files. Real: the
 * handlers, the portable table, kernel/fs (mounted by fs/mount.c: an empty
 * ramfs at /, ramfs at /tmp, devfs at /dev), kernel/sync's mutex and wait
 * queue. Faked (kernel_fakes.c): the heap (malloc), the console (kept in a
 * buffer), the clock, threads and the scheduler's wait protocol (one host
 * thread is one kernel thread), power_exit, panic, aslr_pick_base (the
 * lowest fit: aslr=off), and the application's page map (memory_map_anon,
 * memory_protect, memory_unmap).
 *
 * The page map records every page with its protection. Pages are backed by
 * real host memory at the same address where the host has nothing there
 * (the mmap area, where the handlers copy a file's bytes in); elsewhere
 * (brk's window lies in ASan's shadow) a page is recorded only, and the
 * fake env never accepts it as a syscall buffer. A request that names
 * memory outside the low half is refused and counted: a handler must never
 * pass one.
 */
#ifndef CARAPACE_TESTS_KERNEL_FAKES_H
#define CARAPACE_TESTS_KERNEL_FAKES_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/syscall.h>

enum fake_sched_mode {
	FAKE_SCHED_REAL,        /* waits block the host thread; clock_ns is the host's */
	FAKE_SCHED_NEVER_BLOCK, /* a wait with no wake-up pending times out at once and
				   moves a virtual clock to its deadline (the fuzzer) */
};

/*
 * Once per process: mounts the filesystems, registers every kernel-side
 * handler and sets the env up. user_* are the ranges the env accepts as
 * the application's buffers, besides backed pages of the page map.
 */
void fake_kernel_init(enum fake_sched_mode mode);
/*
 * Adds the socket calls (sys_net.c) and epoll's (sys_epoll.c) to the
 * handlers, for a test that makes sockets: AF_UNIX only, as no other
 * family is registered on the host (socket() answers EAFNOSUPPORT).
 */
void fake_kernel_add_sockets(void);
void fake_user_memory(void *rw, size_t rw_len, const void *ro, size_t ro_len);
const struct syscall_env *fake_env(void);
long fake_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* The page map. */
bool fake_page(uint64_t va, unsigned *prot, bool *backed);
uint64_t fake_pages(void);
uint64_t fake_outside_requests(void);
void fake_set_app_wx(bool allow);

/* power_exit and thread_exit jump here when set (else the test aborts). */
extern jmp_buf *fake_exit_jump;
extern int fake_exit_status; /* -1 until power_exit; thread_exit: -2 */

/* epoll's handlers too: not by fake_kernel_init, since the syscall
 * fuzzers tame only poll's and select's timeouts, not epoll_wait's. */
void fake_register_epoll(void);

/* The largest size kmalloc was asked for since the last call (then 0). */
size_t fake_kmalloc_largest(void);

/* What kprintf and the console received, NUL-terminated (the last 4 KiB). */
const char *fake_console(void);
void fake_console_clear(void);

/* Nanoseconds thread_sleep_ns was asked for, in all. */
uint64_t fake_slept_ns(void);
uint64_t fake_tlb_shootdowns(void);

#endif
