/*
 * eventfd: a 64-bit counter behind a file, as eventfd(2) describes it.
 * A write of 8 bytes adds their value (UINT64_MAX itself is -EINVAL); a
 * read of at least 8 bytes returns the counter and sets it to 0, or, with
 * EVENTFD_SEMAPHORE, returns 1 and takes 1 off. A read at 0 or a write
 * that would pass UINT64_MAX - 1 answers -EAGAIN; the kernel waits for
 * the change (syscall/sys_files.c) unless the file is O_NONBLOCK.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/vfs.h>

#define EVENTFD_MAX (UINT64_MAX - 1) /* the largest value the counter holds */

struct eventfd {
	struct vnode vn;
	struct vfs *vfs;
	uint64_t count;
	bool semaphore;
};

static struct eventfd *eventfd_of(struct vnode *vn)
{
	return vn->fs;
}

static int64_t eventfd_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct eventfd *e = eventfd_of(vn);
	uint64_t value;

	(void)off;
	if (n < sizeof(value))
		return -EINVAL;
	if (e->count == 0)
		return -EAGAIN;
	value = e->semaphore ? 1 : e->count;
	if (app_copy(buf, &value, sizeof(value)))
		return -EFAULT; /* the count stays: nothing was delivered */
	e->count -= value;
	vfs_poll_event(e->vfs, &e->vn, VFS_POLLOUT);
	return sizeof(value);
}

static int64_t eventfd_write(struct vnode *vn, const void *buf, size_t n,
			     uint64_t off)
{
	struct eventfd *e = eventfd_of(vn);
	uint64_t value;

	(void)off;
	if (n < sizeof(value))
		return -EINVAL;
	if (app_copy(&value, buf, sizeof(value)))
		return -EFAULT;
	if (value == UINT64_MAX)
		return -EINVAL;
	if (value > EVENTFD_MAX - e->count)
		return -EAGAIN;
	e->count += value;
	if (value > 0)
		vfs_poll_event(e->vfs, &e->vn, VFS_POLLIN);
	return sizeof(value);
}

static unsigned eventfd_poll(struct vnode *vn)
{
	struct eventfd *e = eventfd_of(vn);
	unsigned mask = 0;

	if (e->count > 0)
		mask |= VFS_POLLIN | VFS_POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		mask |= VFS_POLLOUT | VFS_POLLWRNORM;
	return mask;
}

static void eventfd_release(struct vnode *vn)
{
	struct eventfd *e = eventfd_of(vn);

	e->vfs->alloc.free(e->vfs->alloc.ctx, e);
}

static const struct vnode_ops eventfd_ops = {
	.read = eventfd_read,
	.write = eventfd_write,
	.getattr = vfs_stream_getattr,
	.release = eventfd_release,
	.poll = eventfd_poll,
};

/* flags: VFS_O_NONBLOCK and EVENTFD_SEMAPHORE (O_CLOEXEC is the caller's). */
int eventfd_new(struct vfs *vfs, uint64_t initval, int flags,
		struct vfs_file **out)
{
	struct eventfd *e = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*e));
	int rc;

	if (e == NULL)
		return -ENOMEM;
	memset(e, 0, sizeof(*e));
	e->vn.ops = &eventfd_ops;
	e->vn.mode = 0600; /* no file type: an anonymous inode, as on Linux */
	e->vn.ino = 1;
	e->vn.fs = e;
	e->vfs = vfs;
	e->count = initval;
	e->semaphore = (flags & EVENTFD_SEMAPHORE) != 0;
	rc = vfs_file_new(vfs, &e->vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), out);
	if (rc)
		vfs->alloc.free(vfs->alloc.ctx, e);
	return rc;
}
