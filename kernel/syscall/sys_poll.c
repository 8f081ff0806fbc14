/*
 * What can be waited for: pipe, pipe2 and eventfd2 (the objects are
 * kernel/fs/pipe.c and eventfd.c), poll, ppoll, select, pselect6, and the
 * wait that blocking pipe and eventfd reads and writes (sys_files.c) share.
 *
 * Readiness is the file's vfs_poll(): regular files, directories and /dev
 * are always ready; pipes and eventfds answer from their state. Waiting is
 * a counter of changes and a wait queue: every change of a file bumps the
 * counter and wakes every waiter, which then looks again. A waiter reads
 * the counter before it looks and sleeps only while it has not moved
 * (compared under the queue's lock), so no wake-up is lost. There is one
 * such pair for poll, select and the blocking calls, woken by every
 * change, and one per epoll wake slot (kernel/fs/epoll.c): a change of
 * one file (vfs_notify_vnode) wakes only the slots of the epolls that
 * watch it, so the threads of a server, each in its own epoll_wait, are
 * not all woken for every packet of every connection.
 *
 * A signal whose handler is to run ends a wait with -EINTR, never
 * restarted (Linux's rule for poll and select). ppoll's and pselect6's
 * masks are accepted and ignored. The timeout written back is the time
 * that was left, as Linux does (musl passes copies).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/clock.h>
#include <carapace/epoll.h>
#include <carapace/fs.h>
#include <carapace/memory.h>
#include <carapace/vfs.h>
#include <carapace/waitqueue.h>

#include "sys_kernel.h"

#define NR_POLL     7
#define NR_PIPE     22
#define NR_SELECT   23
#define NR_PSELECT6 270
#define NR_PPOLL    271
#define NR_EVENTFD2 290
#define NR_PIPE2    293

#define NS_PER_SEC  1000000000ull
#define NS_PER_MSEC 1000000ull
#define NS_PER_USEC 1000ull
#define SIGSET_SIZE 8
#define FDSET_MAX   1024 /* descriptors select can name (FD_SETSIZE) */

/* Linux's select sets: which poll bits make a descriptor count as ready. */
#define SELECT_READ   (VFS_POLLIN | VFS_POLLRDNORM | VFS_POLLHUP | VFS_POLLERR)
#define SELECT_WRITE  (VFS_POLLOUT | VFS_POLLWRNORM | VFS_POLLERR)
#define SELECT_EXCEPT VFS_POLLPRI

struct k_pollfd {
	int32_t fd;
	int16_t events, revents;
};

/* A counter of changes and the threads waiting for it to move. */
struct changes {
	struct waitqueue queue;
	uint64_t count;
};

static struct changes every_file = { WAITQUEUE_INIT, 0 };
static struct changes slots[EPOLL_WAKE_SLOTS] = {
	[0 ... EPOLL_WAKE_SLOTS - 1] = { WAITQUEUE_INIT, 0 },
};
static uint64_t slots_waited; /* the slots a thread has slept on: worth waking */

/* Waiters wait with waitqueue_wait_event (changed_since): an empty
 * queue, the common case at a socket's event, costs no lock. */
static void bump(struct changes *c)
{
	__atomic_add_fetch(&c->count, 1, __ATOMIC_SEQ_CST);
	waitqueue_wake_all_queued(&c->queue);
}

static void wake_slot_mask(uint64_t mask)
{
	mask &= __atomic_load_n(&slots_waited, __ATOMIC_SEQ_CST);
	while (mask) {
		bump(&slots[__builtin_ctzll(mask)]);
		mask &= mask - 1;
	}
}

/* Any file may have changed: every waiter looks again. */
void sys_poll_changed(void *ctx)
{
	(void)ctx;
	bump(&every_file);
	wake_slot_mask(~0ull);
}

/* Only files with these wake slots changed: the epolls that watch them,
 * and poll's waiters. */
void sys_poll_slots_changed(void *ctx, uint64_t wake_slots)
{
	(void)ctx;
	bump(&every_file);
	wake_slot_mask(wake_slots);
}

static struct changes *changes_of(int slot)
{
	return slot < 0 ? &every_file : &slots[slot];
}

struct since {
	struct changes *c;
	uint64_t seen;
};

static bool changed_since(void *arg)
{
	struct since *s = arg;

	return __atomic_load_n(&s->c->count, __ATOMIC_SEQ_CST) != s->seen;
}

/*
 * Every sleep ends at the next timerfd expiry at the latest (so a timer
 * that expires wakes whoever may wait for it); a timer that expired
 * already ends the wait at once. -ETIMEDOUT only for the caller's own
 * deadline.
 */
uint64_t sys_poll_changes(void)
{
	return sys_poll_slot_changes(-1);
}

int sys_poll_wait(uint64_t deadline_ns)
{
	return sys_poll_wait_since(sys_poll_changes(), deadline_ns);
}

int sys_poll_wait_since(uint64_t seen, uint64_t deadline_ns)
{
	return sys_poll_slot_wait_since(-1, seen, deadline_ns);
}

uint64_t sys_poll_slot_changes(int slot)
{
	if (slot >= 0) /* from now on, changes of the files it watches wake it */
		__atomic_or_fetch(&slots_waited, 1ull << slot, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&changes_of(slot)->count, __ATOMIC_SEQ_CST);
}

/*
 * seen is the count the caller read before it looked for something ready:
 * a socket changes in lwIP's thread without fs_lock, so a change between
 * that look and this sleep must end the sleep, not be lost (a
 * level-triggered epoll_wait then slept with data waiting).
 */
int sys_poll_slot_wait_since(int slot, uint64_t seen, uint64_t deadline_ns)
{
	struct since since = { changes_of(slot), seen };
	bool fired;
	uint64_t timer = timerfd_next_expiry(clock_ns(), &fired);
	uint64_t until = timer && (!deadline_ns || timer < deadline_ns) ? timer : deadline_ns;
	int rc;

	if (fired)
		return 0;
	fs_unlock();
	rc = sys_signal_wait_event(&since.c->queue, changed_since, &since, until);
	fs_lock();
	if (rc == -ETIMEDOUT && until != deadline_ns)
		rc = 0;
	return rc;
}

/*
 * The same sleep for a caller that does not hold fs_lock (a socket's send
 * or receive, sys_net.c): until the next change after seen or the
 * deadline. Timerfds are not its business, so it does not look at them
 * (that needs fs_lock).
 */
int sys_poll_wait_since_unlocked(uint64_t seen, uint64_t deadline_ns)
{
	struct since since = { changes_of(-1), seen };

	return sys_signal_wait_event(&since.c->queue, changed_since, &since, deadline_ns);
}

/* ---- pipes and eventfds ---- */

/*
 * pipe2: O_CLOEXEC and O_NONBLOCK; packet mode (O_DIRECT) and notification
 * pipes (O_EXCL) are not offered (-EINVAL).
 */
static long sys_pipe2(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int flags = (int)args[1];
	struct vfs_file *ends[2];
	struct vfs_fdtable *t;
	long rc;

	(void)env;
	if (flags & (LINUX_O_DIRECT | VFS_O_EXCL))
		return -EINVAL;
	t = sys_files_lock();
	if (!(rc = pipe_new(fs_vfs(), flags & VFS_O_NONBLOCK, &ends[0], &ends[1])))
		rc = sys_files_install_pair(t, ends, flags & VFS_O_CLOEXEC, (void *)args[0]);
	fs_unlock();
	return rc;
}

static long sys_pipe(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const long with_flags[SYSCALL_MAX_ARGS] = { args[0], 0 };

	return sys_pipe2(env, with_flags);
}

static long sys_eventfd2(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int flags = (int)args[1];
	struct vfs_fdtable *t;
	struct vfs_file *f;
	long rc;

	(void)env;
	t = sys_files_lock();
	if (!(rc = eventfd_new(fs_vfs(), (uint32_t)args[0],
			       flags & (VFS_O_NONBLOCK | LINUX_EFD_SEMAPHORE), &f)))
		rc = fs_app_fd_install(t, f, (flags & VFS_O_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

/* When a wait ends: forever, now (a zero timeout), or at a clock_ns() time. */
struct deadline {
	bool forever, now;
	uint64_t at;
};

static struct deadline deadline_in(uint64_t ns)
{
	return (struct deadline){ .now = ns == 0, .at = clock_ns() + ns };
}

/*
 * A timespec (unit_ns 1) or timeval (unit_ns 1000) timeout at addr, both
 * two 64-bit numbers; NULL waits forever. -EINVAL when malformed.
 */
static int deadline_from_user(long addr, uint64_t unit_ns, struct deadline *d)
{
	uint64_t ns;
	int rc;

	*d = (struct deadline){ .forever = true };
	if (!addr)
		return 0;
	if ((rc = sys_time_ns((const void *)addr, unit_ns, &ns)))
		return rc;
	if (ns / NS_PER_SEC <= UINT64_MAX / 4 / NS_PER_SEC) /* else: centuries, forever */
		*d = deadline_in(ns);
	return 0;
}

static uint64_t time_left(const struct deadline *d)
{
	uint64_t now = clock_ns();

	return d->forever || d->now || now >= d->at ? 0 : d->at - now;
}

static struct vfs_fdtable *files; /* the table scan looks in, under fs_lock */

/*
 * Calls scan(arg) under fs_lock until it finds something ready (> 0) or
 * fails (< 0), waiting for changes in between, until the deadline. At the
 * deadline scan runs once more and its answer stands (0: nothing ready).
 */
static long wait_ready(long (*scan)(void *arg), void *arg, const struct deadline *d)
{
	bool timed_out = false;
	long rc;

	files = sys_files_lock();
	for (;;) {
		uint64_t seen = sys_poll_changes();

		rc = scan(arg);
		if (rc != 0 || d->now || timed_out)
			break;
		rc = sys_poll_wait_since(seen, d->forever ? 0 : d->at);
		if (rc == -EINTR) /* a signal's handler is to run: never restarted */
			break;
		timed_out = rc == -ETIMEDOUT;
	}
	fs_unlock();
	return rc;
}

/* ---- poll, ppoll ---- */

struct poll_req {
	struct k_pollfd *fds;
	unsigned n;
};

/* Fills every revents; returns how many are non-zero. */
static long poll_scan(void *arg)
{
	struct poll_req *r = arg;
	long ready = 0;

	for (unsigned i = 0; i < r->n; i++) {
		struct k_pollfd *p = &r->fds[i];
		struct vfs_file *f;
		unsigned mask;

		if (p->fd < 0) {
			p->revents = 0;
			continue;
		}
		f = vfs_fd_get(files, p->fd);
		mask = f ? vfs_poll(f) : VFS_POLLNVAL;
		p->revents = (int16_t)(mask & ((uint16_t)p->events | VFS_POLLERR |
					       VFS_POLLHUP | VFS_POLLNVAL));
		ready += p->revents != 0;
	}
	return ready;
}

/* The array was checked by the table (at most 1024 entries); it is copied
 * in once and the revents copied back at the end. */
static long poll_fds(long addr, unsigned n, const struct deadline *d)
{
	struct poll_req r = { .n = n };
	size_t size = n * sizeof(struct k_pollfd);
	long rc;

	if (n > 0 && !(r.fds = kmalloc(size)))
		return -ENOMEM;
	if (n > 0 && app_copy(r.fds, (const void *)addr, size)) {
		kfree(r.fds);
		return -EFAULT;
	}
	rc = wait_ready(poll_scan, &r, d);
	/* After the wait the array may be gone (another thread unmapped it). */
	for (unsigned i = 0; i < n; i++)
		if (app_copy((char *)addr + i * sizeof(struct k_pollfd) +
				     offsetof(struct k_pollfd, revents),
			     &r.fds[i].revents, sizeof(r.fds[i].revents)))
			rc = -EFAULT;
	kfree(r.fds);
	return rc;
}

/* A negative timeout waits forever; 0 only looks. */
static long sys_poll(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int timeout_ms = (int)args[2];
	struct deadline d = timeout_ms < 0 ? (struct deadline){ .forever = true } :
					     deadline_in((uint64_t)timeout_ms * NS_PER_MSEC);

	(void)env;
	return poll_fds(args[0], (unsigned)args[1], &d);
}

/* Writes the time left back into a timespec or timeval at addr. */
static void put_time_left(long addr, const struct deadline *d, uint64_t unit_ns)
{
	uint64_t left = time_left(d);
	int64_t t[2] = { (int64_t)(left / NS_PER_SEC), (int64_t)(left % NS_PER_SEC / unit_ns) };

	/* As Linux: a time left that cannot be written back is no error. */
	if (addr && !d->forever)
		(void)app_copy((void *)addr, t, sizeof(t));
}

static long sys_ppoll(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct deadline d;
	long rc;

	(void)env;
	if (args[3] && args[4] != SIGSET_SIZE)
		return -EINVAL;
	if ((rc = deadline_from_user(args[2], 1, &d)))
		return rc;
	rc = poll_fds(args[0], (unsigned)args[1], &d);
	put_time_left(args[2], &d, 1);
	return rc;
}

/* ---- select, pselect6 ---- */

struct select_req {
	int nfds;
	uint64_t in[3][FDSET_MAX / 64];  /* read, write, except: what was asked */
	uint64_t out[3][FDSET_MAX / 64]; /* what is ready */
};

/* Fills out; returns the number of bits set, or -EBADF for a named fd
 * that is not open. */
static long select_scan(void *arg)
{
	static const unsigned wanted[3] = { SELECT_READ, SELECT_WRITE, SELECT_EXCEPT };
	struct select_req *r = arg;
	long ready = 0;

	memset(r->out, 0, sizeof(r->out));
	for (int fd = 0; fd < r->nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		struct vfs_file *f;
		unsigned mask;

		if (!((r->in[0][fd / 64] | r->in[1][fd / 64] | r->in[2][fd / 64]) & bit))
			continue;
		if (!(f = vfs_fd_get(files, fd)))
			return -EBADF;
		mask = vfs_poll(f);
		for (int k = 0; k < 3; k++) {
			if ((r->in[k][fd / 64] & bit) && (mask & wanted[k])) {
				r->out[k][fd / 64] |= bit;
				ready++;
			}
		}
	}
	return ready;
}

/*
 * The sets were checked by the table for nfds bits (clamped to 1024);
 * they are copied in once and rewritten with the ready bits (all clear
 * on a timeout), unless the call failed.
 */
static long select_fds(const long args[SYSCALL_MAX_ARGS], const struct deadline *d)
{
	int nfds = (int)args[0] > FDSET_MAX ? FDSET_MAX : (int)args[0];
	size_t bytes = ((size_t)nfds + 63) / 64 * 8;
	struct select_req *r;
	long rc;

	if (nfds < 0)
		return -EINVAL; /* dispatch refused it already; kept for clarity */
	if (!(r = kmalloc(sizeof(*r))))
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->nfds = nfds;
	for (int k = 0; k < 3; k++)
		if (args[1 + k] && app_copy(r->in[k], (const void *)args[1 + k], bytes)) {
			kfree(r);
			return -EFAULT;
		}
	rc = wait_ready(select_scan, r, d);
	/* After the wait the sets may be gone (another thread unmapped them). */
	for (int k = 0; rc >= 0 && k < 3; k++)
		if (args[1 + k] && app_copy((void *)args[1 + k], r->out[k], bytes))
			rc = -EFAULT;
	kfree(r);
	return rc;
}

/* select's timeval and pselect6's timespec differ only in their unit. */
static long select_timed(const long args[SYSCALL_MAX_ARGS], uint64_t unit_ns)
{
	struct deadline d;
	long rc;

	if ((rc = deadline_from_user(args[4], unit_ns, &d)))
		return rc;
	rc = select_fds(args, &d);
	put_time_left(args[4], &d, unit_ns);
	return rc;
}

static long sys_select(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return select_timed(args, NS_PER_USEC);
}

static long sys_pselect6(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return select_timed(args, 1);
}

void sys_poll_register(syscall_handler_fn *table)
{
	table[NR_PIPE] = sys_pipe;
	table[NR_PIPE2] = sys_pipe2;
	table[NR_EVENTFD2] = sys_eventfd2;
	table[NR_POLL] = sys_poll;
	table[NR_PPOLL] = sys_ppoll;
	table[NR_SELECT] = sys_select;
	table[NR_PSELECT6] = sys_pselect6;
}
