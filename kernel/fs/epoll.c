/*
 * epoll: an interest list of (file, descriptor) entries, and the scan that
 * reports which of them are ready (syscall/sys_epoll.c waits around it).
 *
 * Level-triggered entries report whatever vfs_poll says now. An
 * edge-triggered entry reports only after an event on its side: the
 * vnode's events_in (data, hang-up) or events_out (room) count moved
 * since the entry last reported, so a partial read of a pipe does not
 * report it again, and every new write does, as Linux's wake-ups do. A
 * new or modified entry reports once if it is ready already, as on Linux.
 * EPOLLONESHOT disables an entry after one report until EPOLL_CTL_MOD.
 * EPOLLEXCLUSIVE is checked as Linux checks it; since one wake-up reaches
 * every waiter here, more than one waiting epoll may report the event
 * (Linux promises "one or more").
 *
 * Waking: each epoll has one of EPOLL_WAKE_SLOTS wake slots (given in turn
 * as epolls are made), and each watched file's vnode the bit of that slot
 * (vn->wake_slots), so an event on a file wakes only the threads waiting
 * in the epolls that watch it (and in poll, select or a blocking call,
 * which the kernel wakes for every file). Two epolls sharing a slot only
 * wake each other for nothing. Nested epolls (an epoll watching another)
 * have no slot of their own: their waiters are woken for every file.
 *
 * An entry lives as long as its file (closing one descriptor of a dup'ed
 * file keeps it, as on Linux): vfs_file_put calls epoll_forget_file. An
 * LT scan that stops at maxevents starts after the last reported entry the
 * next time, so every ready entry gets its turn.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/epoll.h>
#include <carapace/vfs.h>

#define EPOLL_NEST_MAX 4 /* Linux's EP_MAX_NESTS */

struct epoll_item {
	struct epoll_item *next;
	struct vfs_file *file;
	int fd;
	uint32_t events;
	uint64_t data;
	uint32_t seen_in, seen_out; /* the file's event counts at the last report */
	bool disabled;              /* EPOLLONESHOT fired */
};

struct epoll {
	struct vnode vn;
	struct vfs *vfs;
	struct epoll_item *items;
	int entries; /* how many items */
	struct epoll *all_next, *all_prev;
	unsigned slot; /* its wake slot, < EPOLL_WAKE_SLOTS */
	bool nested;   /* watches or is watched by another epoll: no slot */
};

static const struct vnode_ops epoll_ops;
static struct epoll *all_epolls;
static int poll_depth;
static unsigned next_slot; /* the slot the next epoll gets */

struct epoll *epoll_of_file(struct vfs_file *f)
{
	return f->vn->ops == &epoll_ops ? f->vn->fs : NULL;
}

static struct epoll_item **find(struct epoll *ep, struct vfs_file *file, int fd)
{
	struct epoll_item **at = &ep->items;

	while (*at && ((*at)->file != file || (*at)->fd != fd))
		at = &(*at)->next;
	return at;
}

static void item_free(struct epoll *ep, struct epoll_item **at)
{
	struct epoll_item *it = *at;

	*at = it->next;
	ep->entries--;
	it->file->epoll_watches--;
	ep->vfs->alloc.free(ep->vfs->alloc.ctx, it);
}

/* Whether from reaches target through nested epoll entries. */
static bool reaches(struct epoll *from, struct epoll *target, int depth)
{
	if (from == target)
		return true;
	if (depth > EPOLL_NEST_MAX)
		return true; /* too deep counts as a loop, as Linux's ELOOP */
	for (struct epoll_item *it = from->items; it; it = it->next) {
		struct epoll *inner = epoll_of_file(it->file);

		if (inner && reaches(inner, target, depth + 1))
			return true;
	}
	return false;
}

/*
 * Events on file now wake ep's waiters: file's vnode gets ep's slot. An
 * epoll inside another makes both wait as poll does (for every file).
 * The bit is set before the caller's next scan (sequentially consistent,
 * as the notifier's read of it), so an event either finds the bit or
 * happened before that scan, which sees it.
 */
static void watch(struct epoll *ep, struct vfs_file *file)
{
	struct epoll *inner = epoll_of_file(file);

	if (inner) {
		inner->nested = true;
		ep->nested = true;
		return;
	}
	__atomic_or_fetch(&file->vn->wake_slots, 1ull << ep->slot, __ATOMIC_SEQ_CST);
}

int epoll_entries(const struct epoll *ep)
{
	return ep->entries;
}

int epoll_wake_slot(const struct epoll *ep)
{
	return ep->nested ? -1 : (int)ep->slot;
}

/* Makes the entry report once more if it is ready now (ADD and MOD). */
static void arm(struct epoll_item *it)
{
	it->seen_in = it->file->vn->events_in - 1;
	it->seen_out = it->file->vn->events_out - 1;
	it->disabled = false;
}

int epoll_ctl_file(struct epoll *ep, int op, int fd, struct vfs_file *file,
		   const struct epoll_event_k *ev)
{
	struct epoll_item **at = find(ep, file, fd), *it;
	struct epoll *target = epoll_of_file(file);
	uint32_t events = ev ? ev->events : 0;

	if (target == ep)
		return -EINVAL;
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD)
		return -EINVAL;
	if (VFS_S_ISREG(file->vn->mode) || VFS_S_ISDIR(file->vn->mode))
		return -EPERM; /* always ready: Linux refuses them (devices are allowed here) */
	if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE_K)) {
		if (op == EPOLL_CTL_MOD || target || (events & ~EPOLLEXCLUSIVE_OK))
			return -EINVAL;
	}
	switch (op) {
	case EPOLL_CTL_ADD:
		if (*at)
			return -EEXIST;
		if (target && reaches(target, ep, 1))
			return -ELOOP;
		if (!(it = ep->vfs->alloc.alloc(ep->vfs->alloc.ctx, sizeof(*it))))
			return -ENOMEM;
		memset(it, 0, sizeof(*it));
		it->file = file;
		it->fd = fd;
		it->events = events;
		it->data = ev->data;
		arm(it);
		watch(ep, file);
		file->epoll_watches++;
		ep->entries++;
		*at = it; /* at the end: entries report in the order they came */
		break;
	case EPOLL_CTL_MOD:
		if (!*at)
			return -ENOENT;
		if ((*at)->events & EPOLLEXCLUSIVE_K)
			return -EINVAL;
		(*at)->events = events;
		(*at)->data = ev->data;
		arm(*at);
		break;
	case EPOLL_CTL_DEL:
		if (!*at)
			return -ENOENT;
		item_free(ep, at);
		break;
	}
	/* A waiter may now have something to report: its own vnode has its slot. */
	vfs_notify_vnode(ep->vfs, &ep->vn);
	return 0;
}

/* What the entry would report now (0: nothing); consume marks it reported. */
static uint32_t item_ready(struct epoll_item *it, bool consume)
{
	struct vnode *vn = it->file->vn;
	uint32_t want = (it->events & EPOLL_POLL_BITS) | VFS_POLLERR | VFS_POLLHUP;
	uint32_t ready, fresh = 0;

	if (it->disabled)
		return 0;
	if (poll_depth > EPOLL_NEST_MAX)
		return 0;
	poll_depth++;
	ready = vfs_poll(it->file) & want;
	poll_depth--;
	if (!ready)
		return 0;
	if (it->events & EPOLLET_K) {
		if (vn->events_in != it->seen_in)
			fresh |= ready & VFS_POLL_IN_SIDE;
		if (vn->events_out != it->seen_out)
			fresh |= ready & VFS_POLL_OUT_SIDE;
		if (!fresh)
			return 0;
	}
	if (consume) {
		it->seen_in = vn->events_in;
		it->seen_out = vn->events_out;
		if (it->events & EPOLLONESHOT_K)
			it->disabled = true;
	}
	return ready;
}

int epoll_collect(struct epoll *ep, struct epoll_event_k *out, int max)
{
	struct epoll_item **last_at = NULL;
	int n = 0;

	for (struct epoll_item **at = &ep->items; *at && n < max; at = &(*at)->next) {
		uint32_t ready = item_ready(*at, true);

		if (!ready)
			continue;
		out[n].events = ready;
		out[n].data = (*at)->data;
		n++;
		last_at = at;
	}
	/* Full: the entries after the last one reported go first next time. */
	if (n == max && last_at && (*last_at)->next) {
		struct epoll_item *first = ep->items, *rest = (*last_at)->next, *tail = rest;

		while (tail->next)
			tail = tail->next;
		(*last_at)->next = NULL;
		tail->next = first;
		ep->items = rest;
	}
	return n;
}

/* An epoll inside poll, select or another epoll: readable when some entry
 * would report (nothing is consumed). */
static unsigned epoll_poll(struct vnode *vn)
{
	struct epoll *ep = vn->fs;

	for (struct epoll_item *it = ep->items; it; it = it->next)
		if (item_ready(it, false))
			return VFS_POLLIN | VFS_POLLRDNORM;
	return 0;
}

void epoll_forget_file(struct vfs_file *f)
{
	for (struct epoll *ep = all_epolls; ep && f->epoll_watches > 0; ep = ep->all_next) {
		struct epoll_item **at = &ep->items;

		while (*at) {
			if ((*at)->file == f)
				item_free(ep, at);
			else
				at = &(*at)->next;
		}
	}
}

static void epoll_release(struct vnode *vn)
{
	struct epoll *ep = vn->fs;
	struct vfs *vfs = ep->vfs;

	while (ep->items)
		item_free(ep, &ep->items);
	if (ep->all_prev)
		ep->all_prev->all_next = ep->all_next;
	else
		all_epolls = ep->all_next;
	if (ep->all_next)
		ep->all_next->all_prev = ep->all_prev;
	vfs->alloc.free(vfs->alloc.ctx, ep);
}

static int64_t epoll_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	(void)vn, (void)buf, (void)n, (void)off;
	return -EINVAL;
}

static const struct vnode_ops epoll_ops = {
	.read = epoll_read,
	.getattr = vfs_stream_getattr,
	.release = epoll_release,
	.poll = epoll_poll,
};

int epoll_new(struct vfs *vfs, int flags, struct vfs_file **out)
{
	struct epoll *ep = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*ep));
	int rc;

	(void)flags;
	if (!ep)
		return -ENOMEM;
	memset(ep, 0, sizeof(*ep));
	ep->vn.ops = &epoll_ops;
	ep->vn.mode = 0600; /* an anonymous inode */
	ep->vn.ino = 1;
	ep->vn.fs = ep;
	ep->vfs = vfs;
	ep->slot = next_slot++ % EPOLL_WAKE_SLOTS;
	ep->vn.wake_slots = 1ull << ep->slot; /* epoll_ctl wakes its own waiters */
	if ((rc = vfs_file_new(vfs, &ep->vn, VFS_O_RDWR, out))) {
		vfs->alloc.free(vfs->alloc.ctx, ep);
		return rc;
	}
	ep->all_next = all_epolls;
	if (all_epolls)
		all_epolls->all_prev = ep;
	all_epolls = ep;
	return 0;
}
