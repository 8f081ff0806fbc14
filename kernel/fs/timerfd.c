/*
 * timerfd: a timer behind a file (timerfd_create(2)). Times are kept on
 * the monotonic clock (an absolute CLOCK_REALTIME time is converted when
 * it is set: the kernel's wall clock is the monotonic one plus a constant).
 *
 * Expirations are counted when someone looks (a read, a poll, or the
 * kernel asking for the next expiry before it sleeps): a periodic timer
 * adds one per interval passed. A read of 8 bytes or more returns the
 * count and zeroes it (-EAGAIN at 0). timerfd_next_expiry tells the
 * kernel when to wake its waiters (sys_poll.c caps every sleep at it):
 * the next expiry of a timer that is not readable yet.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/epoll.h>
#include <carapace/vfs.h>

struct timerfd {
	struct vnode vn;
	struct vfs *vfs;
	const struct timerfd_clock *clock;
	uint64_t next;      /* monotonic ns of the next expiry; 0: disarmed */
	uint64_t interval;  /* ns; 0: one expiry */
	uint64_t ticks;     /* expirations not yet read */
	bool realtime;      /* made for CLOCK_REALTIME: absolute times are wall-clock times */
	struct timerfd *all_next, *all_prev;
};

static const struct vnode_ops timerfd_ops;
static struct timerfd *all_timers;

struct timerfd *timerfd_of_file(struct vfs_file *f)
{
	return f->vn->ops == &timerfd_ops ? f->vn->fs : NULL;
}

/* Counts the expirations up to now; true when there were new ones. */
static bool timerfd_update(struct timerfd *t, uint64_t now)
{
	uint64_t n;

	if (!t->next || now < t->next)
		return false;
	n = t->interval ? 1 + (now - t->next) / t->interval : 1;
	t->ticks += n;
	t->next = t->interval ? t->next + n * t->interval : 0;
	t->vn.events_in++;
	return true;
}

static int64_t timerfd_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct timerfd *t = vn->fs;

	(void)off;
	if (n < sizeof(t->ticks))
		return -EINVAL;
	timerfd_update(t, t->clock->now(t->clock->ctx));
	if (t->ticks == 0)
		return -EAGAIN;
	if (app_copy(buf, &t->ticks, sizeof(t->ticks)))
		return -EFAULT;
	t->ticks = 0;
	return sizeof(t->ticks);
}

static unsigned timerfd_poll(struct vnode *vn)
{
	struct timerfd *t = vn->fs;

	timerfd_update(t, t->clock->now(t->clock->ctx));
	return t->ticks ? VFS_POLLIN | VFS_POLLRDNORM : 0;
}

static void timerfd_release(struct vnode *vn)
{
	struct timerfd *t = vn->fs;

	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else
		all_timers = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->vfs->alloc.free(t->vfs->alloc.ctx, t);
}

static const struct vnode_ops timerfd_ops = {
	.read = timerfd_read,
	.getattr = vfs_stream_getattr,
	.release = timerfd_release,
	.poll = timerfd_poll,
};

bool timerfd_realtime(const struct timerfd *t)
{
	return t->realtime;
}

int timerfd_new(struct vfs *vfs, const struct timerfd_clock *clock, bool realtime, int flags,
		struct vfs_file **out)
{
	struct timerfd *t = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	t->vn.ops = &timerfd_ops;
	t->vn.mode = 0600;
	t->vn.ino = 1;
	t->vn.fs = t;
	t->vfs = vfs;
	t->clock = clock;
	t->realtime = realtime;
	if ((rc = vfs_file_new(vfs, &t->vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out))) {
		vfs->alloc.free(vfs->alloc.ctx, t);
		return rc;
	}
	t->all_next = all_timers;
	if (all_timers)
		all_timers->all_prev = t;
	all_timers = t;
	return 0;
}

void timerfd_remaining(struct timerfd *t, uint64_t *value, uint64_t *interval)
{
	uint64_t now = t->clock->now(t->clock->ctx);

	timerfd_update(t, now);
	*value = t->next ? t->next - now : 0;
	*interval = t->interval;
}

/* at: the first expiry, monotonic ns (0 disarms); the count restarts. */
void timerfd_arm(struct timerfd *t, uint64_t at, uint64_t interval)
{
	t->next = at;
	t->interval = at ? interval : 0;
	t->ticks = 0;
	vfs_poll_event(t->vfs, &t->vn, VFS_POLLIN);
}

/*
 * Only a timer not readable yet (no expiration unread) counts, for fired
 * and for the next expiry: one whose count is waiting is readable already,
 * and its next expiries change no one's readiness. Had they counted, a
 * periodic timer of 1 ns left unread ended every poll, select and
 * epoll_wait sleep at once: a caller waiting for other files spun until
 * its own deadline (found by the in-guest fuzzer, seed 51 with --smp 2).
 */
uint64_t timerfd_next_expiry(uint64_t now, bool *fired)
{
	uint64_t first = 0;

	*fired = false;
	for (struct timerfd *t = all_timers; t; t = t->all_next) {
		if (t->ticks)
			continue;
		*fired |= timerfd_update(t, now);
		if (!t->ticks && t->next && (!first || t->next < first))
			first = t->next;
	}
	return first;
}
