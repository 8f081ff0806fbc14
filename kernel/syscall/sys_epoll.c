/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait and
 * timerfd_create, timerfd_settime, timerfd_gettime, on the objects of
 * kernel/fs/epoll.c and timerfd.c. Waiting is sys_poll.c's: the counter of
 * changes of the epoll's wake slot (the files it watches), and every sleep
 * ends at the next timerfd expiry at the latest.
 *
 * epoll_pwait's signal mask is accepted and ignored (no signal is ever
 * delivered); its size must be 8. The fixed-size arguments (epoll_event,
 * itimerspec) arrive as kernel copies (syscall_dispatch); epoll_wait's
 * array is checked here and written with app_copy after the wait.
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

#include "sys_kernel.h"

#define NR_EPOLL_CREATE   213
#define NR_EPOLL_WAIT     232
#define NR_EPOLL_CTL      233
#define NR_EPOLL_PWAIT    281
#define NR_TIMERFD_CREATE 283
#define NR_TIMERFD_SETTIME 286
#define NR_TIMERFD_GETTIME 287
#define NR_EPOLL_CREATE1  291

#define EVENT_SIZE        12 /* the ABI's packed struct epoll_event */
#define EP_MAX_EVENTS     (0x7fffffff / EVENT_SIZE)
#define EVENTS_PER_WAIT   1024 /* at most this many per call (fewer is allowed) */
#define EVENTS_ON_STACK   32   /* libevent's first size: no allocation per wait */
#define NS_PER_SEC        1000000000ull
#define NS_PER_MSEC       1000000ull

/* ---- epoll ---- */

static long create(int flags)
{
	struct vfs_fdtable *t = sys_files_lock();
	struct vfs_file *f;
	long rc;

	if (!(rc = epoll_new(fs_vfs(), 0, &f)))
		rc = fs_app_fd_install(t, f, (flags & LINUX_O_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

static long sys_epoll_create(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return (int)args[0] <= 0 ? -EINVAL : create(0);
}

static long sys_epoll_create1(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return create((int)args[0]);
}

static long sys_epoll_ctl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int op = (int)args[1], fd = (int)args[2];
	struct epoll_event_k ev = { 0 };
	struct vfs_fdtable *t;
	struct vfs_file *epf, *f;
	struct epoll *ep;
	long rc;

	(void)env;
	if (op != EPOLL_CTL_DEL) {
		if (!args[3])
			return -EFAULT;
		memcpy(&ev.events, (const void *)args[3], sizeof(ev.events));
		memcpy(&ev.data, (const char *)args[3] + 4, sizeof(ev.data));
	}
	t = sys_files_lock();
	if (!(epf = vfs_fd_get(t, (int)args[0])) || !(f = vfs_fd_get(t, fd)))
		rc = -EBADF;
	else if (!(ep = epoll_of_file(epf)) || epf == f)
		rc = -EINVAL;
	else
		rc = epoll_ctl_file(ep, op, fd, f, op == EPOLL_CTL_DEL ? NULL : &ev);
	fs_unlock();
	return rc;
}

/*
 * The events one wait collects: what the caller has room for, but no more
 * than the epoll's entries (at least one), so that a program that asks for
 * far more than it watches needs no buffer from the heap. redis asks for
 * 10,160 (its maxclients and 128) and watches a dozen sockets: a buffer of
 * EVENTS_PER_WAIT was 16 KiB, a medium block of the kernel heap, zeroed on
 * every free and checked on every reuse, some 1,500 instructions a
 * request. An epoll that gains entries while its waiter sleeps reports the
 * others at the next wait (collect starts after the last one reported).
 */
static int events_room(int room, int entries)
{
	return entries < 1 ? 1 : entries < room ? entries : room;
}

/* The wait of epoll_wait and epoll_pwait: timeout in ms, negative forever. */
static long wait_events(const struct syscall_env *env, int epfd, long uevents, int max, int timeout_ms)
{
	uint64_t deadline = timeout_ms > 0 ? clock_ns() + (uint64_t)timeout_ms * NS_PER_MSEC : 0;
	struct epoll_event_k on_stack[EVENTS_ON_STACK], *ev = on_stack;
	struct vfs_file *epf;
	struct epoll *ep;
	int n = max < EVENTS_PER_WAIT ? max : EVENTS_PER_WAIT;
	long rc;

	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (syscall_check_range(env, (uintptr_t)uevents, (size_t)max * EVENT_SIZE, true))
		return -EFAULT;
	epf = vfs_fd_get(sys_files_lock(), epfd);
	if (!epf)
		rc = -EBADF;
	else if (!(ep = epoll_of_file(epf)))
		rc = -EINVAL;
	else if ((n = events_room(n, epoll_entries(ep))) > EVENTS_ON_STACK &&
		 !(ev = kmalloc((size_t)n * sizeof(*ev))))
		rc = -ENOMEM;
	else {
		vfs_file_get(epf); /* kept while the lock is dropped */
		for (;;) {
			/* Read each time: an epoll that becomes nested waits as poll does. */
			int slot = epoll_wake_slot(ep);
			uint64_t seen = sys_poll_slot_changes(slot);

			rc = epoll_collect(ep, ev, n);
			if (rc != 0 || timeout_ms == 0 || (deadline && clock_ns() >= deadline))
				break;
			if (sys_poll_slot_wait_since(slot, seen, deadline) == -EINTR) {
				rc = -EINTR; /* a signal's handler is to run: never restarted */
				break;
			}
		}
		vfs_file_put(epf);
	}
	fs_unlock();
	for (long i = 0; i < rc; i++) {
		char *at = (char *)uevents + i * EVENT_SIZE;

		if (app_copy(at, &ev[i].events, sizeof(ev[i].events)) ||
		    app_copy(at + 4, &ev[i].data, sizeof(ev[i].data))) {
			rc = -EFAULT;
			break;
		}
	}
	if (ev != on_stack)
		kfree(ev);
	return rc;
}

static long sys_epoll_wait(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return wait_events(env, (int)args[0], args[1], (int)args[2], (int)args[3]);
}

static long sys_epoll_pwait(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	if (args[4] && args[5] != sizeof(uint64_t))
		return -EINVAL;
	return wait_events(env, (int)args[0], args[1], (int)args[2], (int)args[3]);
}

/* ---- timerfd ---- */

static uint64_t monotonic_now(void *ctx)
{
	(void)ctx;
	return clock_ns();
}

static const struct timerfd_clock kernel_clock = { monotonic_now, NULL };

static bool clock_supported(int clock)
{
	return clock == LINUX_CLOCK_REALTIME || clock == LINUX_CLOCK_MONOTONIC ||
	       clock == LINUX_CLOCK_BOOTTIME || clock == LINUX_CLOCK_REALTIME_ALARM ||
	       clock == LINUX_CLOCK_BOOTTIME_ALARM;
}

static bool is_realtime(int clock)
{
	return clock == LINUX_CLOCK_REALTIME || clock == LINUX_CLOCK_REALTIME_ALARM;
}

static long sys_timerfd_create(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int clock = (int)args[0], flags = (int)args[1];
	struct vfs_fdtable *t;
	struct vfs_file *f;
	long rc;

	(void)env;
	if (!clock_supported(clock))
		return -EINVAL;
	t = sys_files_lock();
	if (!(rc = timerfd_new(fs_vfs(), &kernel_clock, is_realtime(clock),
			       flags & VFS_O_NONBLOCK, &f)))
		rc = fs_app_fd_install(t, f, (flags & VFS_O_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

int sys_timespec_ns(int64_t sec, int64_t nsec, uint64_t *ns)
{
	if (sec < 0 || nsec < 0 || nsec >= (int64_t)NS_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)sec > UINT64_MAX / 4 / NS_PER_SEC ? UINT64_MAX / 4
							   : (uint64_t)sec * NS_PER_SEC + (uint64_t)nsec;
	return 0;
}

void sys_ns_timespec(uint64_t ns, int64_t *sec, int64_t *nsec)
{
	*sec = (int64_t)(ns / NS_PER_SEC);
	*nsec = (int64_t)(ns % NS_PER_SEC);
}

/* The timerfd behind fd (-EBADF, -EINVAL); fs_lock held. */
static int timer_get(int fd, struct vfs_file **fp, struct timerfd **tp)
{
	struct vfs_file *f = vfs_fd_get(sys_files_lock(), fd);

	if (!f)
		return -EBADF;
	if (!(*tp = timerfd_of_file(f)))
		return -EINVAL;
	*fp = f;
	return 0;
}

static long sys_timerfd_settime(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerspec its, old;
	uint64_t value, interval, now, old_value, old_interval;
	struct timerfd *t;
	struct vfs_file *f;
	int flags = (int)args[1];
	long rc;

	if (flags & ~(LINUX_TFD_TIMER_ABSTIME | LINUX_TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	memcpy(&its, (const void *)args[2], sizeof(its));
	if ((rc = sys_timespec_ns(its.value_sec, its.value_nsec, &value)) ||
	    (rc = sys_timespec_ns(its.interval_sec, its.interval_nsec, &interval)))
		return rc;
	if ((rc = timer_get((int)args[0], &f, &t))) {
		fs_unlock();
		return rc;
	}
	now = clock_ns();
	timerfd_remaining(t, &old_value, &old_interval);
	if (value && (flags & LINUX_TFD_TIMER_ABSTIME)) {
		/* An absolute time on the timer's clock, as a monotonic one. */
		uint64_t clock_now = timerfd_realtime(t)
					     ? env->clock_ns(env->ctx, SYSCALL_CLOCK_REALTIME)
					     : now;

		value = value > clock_now ? now + (value - clock_now) : now;
	} else if (value) {
		value = now + value;
	}
	timerfd_arm(t, value, interval);
	fs_unlock();
	if (args[3]) {
		sys_ns_timespec(old_interval, &old.interval_sec, &old.interval_nsec);
		sys_ns_timespec(old_value, &old.value_sec, &old.value_nsec);
		memcpy((void *)args[3], &old, sizeof(old));
	}
	return 0;
}

static long sys_timerfd_gettime(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct k_itimerspec cur;
	uint64_t value, interval;
	struct timerfd *t;
	struct vfs_file *f;
	long rc;

	(void)env;
	if (!(rc = timer_get((int)args[0], &f, &t)))
		timerfd_remaining(t, &value, &interval);
	fs_unlock();
	if (rc)
		return rc;
	sys_ns_timespec(interval, &cur.interval_sec, &cur.interval_nsec);
	sys_ns_timespec(value, &cur.value_sec, &cur.value_nsec);
	memcpy((void *)args[1], &cur, sizeof(cur));
	return 0;
}

void sys_epoll_register(syscall_handler_fn *table)
{
	table[NR_EPOLL_CREATE] = sys_epoll_create;
	table[NR_EPOLL_CREATE1] = sys_epoll_create1;
	table[NR_EPOLL_CTL] = sys_epoll_ctl;
	table[NR_EPOLL_WAIT] = sys_epoll_wait;
	table[NR_EPOLL_PWAIT] = sys_epoll_pwait;
	table[NR_TIMERFD_CREATE] = sys_timerfd_create;
	table[NR_TIMERFD_SETTIME] = sys_timerfd_settime;
	table[NR_TIMERFD_GETTIME] = sys_timerfd_gettime;
}
