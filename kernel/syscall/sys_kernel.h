/*
 * Internal to kernel/syscall: the system call handlers that need the kernel's
 * subsystems (files, memory, threads). The portable table (kernel/syscall/)
 * validates every argument first; syscalls.c then runs the handler that one
 * of these files put in its kernel_handlers array.
 */
#ifndef CARAPACE_SYS_KERNEL_H
#define CARAPACE_SYS_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/futex.h> /* futex_wait, futex_wake, futex_requeue */
#include <carapace/syscall.h>

#include <carapace/layout.h> /* the application area: APP_BRK_BASE, APP_MMAP_BASE, ... */
#include "syscall_impl.h" /* the Linux x86_64 values, LINUX_* */

/* Each file puts its handlers into the table, indexed by Linux number. */
void sys_files_register(syscall_handler_fn *table);
void sys_file_sync_register(syscall_handler_fn *table);
void sys_memory_register(syscall_handler_fn *table);
void sys_signal_register(syscall_handler_fn *table);
void sys_poll_register(syscall_handler_fn *table);

/*
 * sys_files.c: the application's descriptor table, for sys_poll.c.
 * sys_files_lock takes fs_lock (released with fs_unlock()) and returns the
 * table (new files go in with fs_app_fd_install, carapace/fs.h).
 */
struct vfs_fdtable;
struct vfs_file;
struct vfs_fdtable *sys_files_lock(void);
/* The directory a *at() call's path is relative to (fs_lock held): the cwd
 * for AT_FDCWD or an absolute path; an open directory fd is -ENOTSUP. */
int sys_files_path_base(int dirfd, const char *path, const char **base);
/* RLIMIT_NOFILE: the table's limits (the env's nofile_get and nofile_set). */
void sys_files_nofile(uint64_t *cur, uint64_t *max);
int sys_files_set_nofile(uint64_t cur, uint64_t max);
/* Two new files into t, their numbers to ufds (pipe2, socketpair). */
long sys_files_install_pair(struct vfs_fdtable *t, struct vfs_file *pair[2], bool cloexec,
			    void *ufds);

/*
 * sys_thread.c: the application ends with status (exit of its last
 * thread, exit_group, a signal's default action, abort), as a Linux
 * process does: its descriptors closed, then at most
 * SYS_APP_EXIT_LINGER_NS for the network to deliver what it sent
 * (net_quiesce), then the power. Call without fs_lock.
 */
#define SYS_APP_EXIT_LINGER_NS 2000000000ull
__attribute__((noreturn)) void sys_app_exit(int status);

/*
 * sys_net.c: the socket calls, and read/write/readv/writev on a socket
 * (sys_net_rw: called with fs_lock held, f found under it; returns with
 * fs_lock released; iov checked, changed as bytes go).
 */
struct socket_iov;
void sys_net_register(syscall_handler_fn *table);
void sys_epoll_register(syscall_handler_fn *table);
long sys_net_rw(struct vfs_file *f, struct socket_iov *iov, unsigned cnt, bool write);
/*
 * close() of a socket with SO_LINGER on and a time: sys_net_lingering
 * (fs_lock held, before the descriptor is closed; f its file or NULL)
 * answers the file, referenced, when this close is to wait; then
 * sys_net_linger (without fs_lock) waits and drops that reference.
 */
struct vfs_file *sys_net_lingering(struct vfs_file *f);
void sys_net_linger(struct vfs_file *f);
/*
 * ioctl's interface calls on a socket (net_ifreq_cmd: SIOCGIFCONF,
 * SIOCGIFINDEX...; kernel/net/ifreq.c answers), without fs_lock.
 */
long sys_net_ifioctl(const struct syscall_env *env, int fd, unsigned cmd, void *uarg);

/*
 * sys_signal.c: a write found no reader (EPIPE) and did not say
 * MSG_NOSIGNAL: SIGPIPE. Ignored or blocked: nothing; a handler: see
 * sys_signal.c; the default action ends the run (EXIT_SIGPIPE).
 * Call without fs_lock.
 */
void sys_signal_pipe(void);
/*
 * sys_signal.c: the interval timer expired (sys_itimer.c's thread):
 * SIGALRM. Ignored: nothing; blocked: kept; a handler runs when an
 * application thread's next system call returns (pause, rt_sigsuspend and
 * the sleeps are cut short by it); the default action ends the run
 * (EXIT_SIGALRM).
 */
void sys_signal_alarm(void);
/* sys_signal.c: an application thread's mask at its start (clone: the
 * parent's) and its end, for the count of threads a signal may reach. */
void sys_signal_thread_start(uint64_t mask);
void sys_signal_thread_exit(void);
/*
 * sys_signal.c, for clone: adding makes room for a new thread's id (or
 * -ENOMEM) and holds the list's lock until added gets the id (0 when the
 * thread could not be created): tgkill then finds the id as soon as clone
 * returns it, and the thread cannot end before its id is in.
 */
int sys_signal_thread_adding(void);
void sys_signal_thread_added(uint64_t tid);
/*
 * sys_signal.c: the syscall layer's sleeps (nanosleep, clock_nanosleep):
 * ns, unless a signal from another thread with a handler comes first:
 * then -EINTR and the time left in *left_ns.
 */
int sys_signal_sleep(uint64_t ns, uint64_t *left_ns);
/*
 * Interruptible waits for system call handlers (sys_signal.c): as
 * waitqueue_wait_event and futex_wait, but a signal whose handler is to
 * run on the calling thread ends them with -EINTR (a wake-up or a true
 * condition that came first wins). The caller answers -EINTR, or
 * -SYS_ERESTARTSYS for a call that SA_RESTART restarts: the return path
 * (sys_signal_deliver) turns it into -EINTR, or issues the call again
 * after the handler. The application never sees SYS_ERESTARTSYS.
 */
#define SYS_ERESTARTSYS 512
struct waitqueue;
int sys_signal_wait_event(struct waitqueue *wq, bool (*done)(void *arg), void *arg,
			  uint64_t deadline_ns);
int sys_signal_futex_wait(uint32_t *uaddr, uint32_t expected, uint32_t bitset,
			  uint64_t deadline_ns);
/*
 * A POSIX timer's expiry (sys_timer.c): sig for the process (tid 0) or for
 * application thread tid (SIGEV_THREAD_ID), its siginfo SI_TIMER with the
 * timer's id, overrun and sigev_value. As kill or tgkill would: ignored,
 * kept while blocked, the default action, or the handler.
 */
void sys_signal_timer(const struct syscall_env *env, int sig, int tid, int timerid, int overrun,
		      uint64_t value);
/* Whether tid is one of the application's threads (the main one or a clone's). */
bool sys_signal_is_app_thread(const struct syscall_env *env, int tid);
/*
 * For signalfd (sys_signalfd.c, fs_lock held): the signals of set pending
 * for the process or the calling thread; the lowest taken, its 128-byte
 * Linux siginfo written to siginfo (0: none pending). sys_signal.c calls
 * sys_signalfd_raised after a signal became pending (any thread, no lock
 * held): the signalfds' readers and pollers look again.
 */
uint64_t sys_signal_pending_in(uint64_t set);
int sys_signal_take(uint64_t set, void *siginfo);
void sys_signalfd_raised(void);
/* sys_signal.c, for /proc/self (fs_app_set_process, carapace/fs.h). */
int sys_signal_thread_count(void);
void sys_signal_masks(uint64_t *pending, uint64_t *blocked, uint64_t *ignored,
		      uint64_t *caught);
void sys_signalfd_register(syscall_handler_fn *table);
void sys_itimer_register(syscall_handler_fn *table);
void sys_timer_register(syscall_handler_fn *table);
void sys_prctl_register(syscall_handler_fn *table);

/*
 * sys_poll.c: waiting for pipes and eventfds. sys_poll_changed is the
 * VFS's notify hook (a pipe or an eventfd changed). sys_poll_wait, with
 * fs_lock held, drops it, sleeps until the next change or deadline_ns (a
 * clock_ns() value; 0: none), and takes it again: 0 or -ETIMEDOUT.
 */
void sys_poll_changed(void *ctx);
int sys_poll_wait(uint64_t deadline_ns);
/* The changes count, read before looking, and the sleep that ends at once
 * if it moved since: for what changes without fs_lock (sockets). */
uint64_t sys_poll_changes(void);
int sys_poll_wait_since(uint64_t seen, uint64_t deadline_ns);
/* The same, called without fs_lock (a self-locked socket's transfer). */
int sys_poll_wait_since_unlocked(uint64_t seen, uint64_t deadline_ns);
/* Only files with these wake slots changed (the VFS's slots_changed
 * hook): wakes the waiters of the epolls that watch them and poll's. */
void sys_poll_slots_changed(void *ctx, uint64_t wake_slots);
/* The same pair for an epoll's wake slot (epoll_wake_slot; -1: the
 * counter of every change, as above). */
uint64_t sys_poll_slot_changes(int slot);
int sys_poll_slot_wait_since(int slot, uint64_t seen, uint64_t deadline_ns);
void sys_thread_register(syscall_handler_fn *table);

/*
 * The frame syscall_entry.S builds at the top of the calling thread's
 * syscall stack: the registers of the caller (clone copies them for the
 * child) and an interrupt-return frame. Offsets are used in the assembly.
 */
struct syscall_frame {
	uint64_t nr, r9, r8, r10, rdx, rsi, rdi;
	uint64_t rip, cs, rflags, rsp, ss;
};

/*
 * Signals (sys_signal.c): the handlers of the signals the call raised run
 * when it returns (f and the result become the handler's entry); the
 * handler's rt_sigreturn puts back the call's frame and result.
 */
void sys_signal_deliver(const struct syscall_env *env, struct syscall_frame *f, long *ret);
long sys_signal_return(const struct syscall_env *env, struct syscall_frame *f);

/* The calling thread's frame (only valid inside a system call). */
const struct syscall_frame *syscall_current_frame(void);

/* A new application thread starts from a copy of f (syscall_entry.S). */
__attribute__((noreturn)) void app_thread_enter(const struct syscall_frame *f);


/*
 * Whether a is canonical (WRMSR of a non-canonical FS base faults in the
 * kernel): arch_prctl(ARCH_SET_FS) and clone's CLONE_SETTLS refuse others.
 */
bool sys_canonical(uint64_t a);

/*
 * mmap of a file: its bytes from off into dst (0 or -errno); with hold, a
 * reference to the file in *hold, for MADV_DONTNEED to read it again
 * (sys_files_copy_held). The lock order is sys_memory.c's vm_lock, then
 * the VFS lock these take.
 */
struct vfs_file;
int sys_files_copy(int fd, uint64_t off, void *dst, size_t len, struct vfs_file **hold);
int sys_files_copy_held(struct vfs_file *f, uint64_t off, void *dst, size_t len);
/* Drops a reference to f without the VFS lock held; the last one releases
 * f under it (vfs_file_drop, vfs_file_release). */
void sys_files_put_unlocked(struct vfs_file *f);

/* The SYSCALL instruction as musl issues it (for the in-kernel tests). */
long sys_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* How far brk may grow (the area itself is in layout.h). */
#define APP_BRK_MAX    (1ull << 30) /* bytes */

#endif
