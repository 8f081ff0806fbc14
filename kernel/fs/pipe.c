/*
 * Pipes: a ring of PIPE_CAPACITY bytes with two ends, each a vnode of its
 * own so that its reference count says when the last reader or the last
 * writer is gone. The ring is freed when both ends are.
 *
 * Nothing here blocks: an empty pipe with a writer, or a full one with a
 * reader, answers -EAGAIN, and the kernel (syscall/sys_files.c) waits for the
 * change that vfs_poll_event announces. A read of an empty pipe
 * without writers is end of file (0); a write without readers is -EPIPE
 * (the kernel then raises SIGPIPE: syscall/sys_signal.c). A write of up to
 * PIPE_ATOMIC bytes goes in whole or not at all, so writers never
 * interleave inside it.
 * The caller's buffer may be application memory that vanished while the
 * caller slept (app_copy): only the bytes copied count, and a transfer that
 * copied none is -EFAULT with the pipe as it was.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/vfs.h>

enum { END_READ, END_WRITE };

struct pipe {
	struct vnode ends[2];   /* END_READ, END_WRITE */
	struct vfs *vfs;
	uint8_t *ring;
	size_t head;            /* next byte to read */
	size_t count;           /* bytes in the ring */
	bool open[2];           /* some file is still open on that end */
};

static const struct vnode_ops pipe_read_ops, pipe_write_ops;

static struct pipe *pipe_of(struct vnode *vn)
{
	return vn->fs;
}

static int64_t pipe_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct pipe *p = pipe_of(vn);
	size_t done = 0;

	(void)off;
	if (n == 0)
		return 0;
	if (p->count == 0)
		return p->open[END_WRITE] ? -EAGAIN : 0;
	if (n > p->count)
		n = p->count;
	while (done < n) {
		size_t chunk = PIPE_CAPACITY - p->head;

		if (chunk > n - done)
			chunk = n - done;
		if (app_copy((uint8_t *)buf + done, p->ring + p->head, chunk))
			break; /* this chunk stays in the pipe */
		p->head = (p->head + chunk) % PIPE_CAPACITY;
		p->count -= chunk;
		done += chunk;
	}
	if (done == 0)
		return -EFAULT;
	vfs_poll_event(p->vfs, &p->ends[END_WRITE], VFS_POLLOUT); /* room */
	return (int64_t)done;
}

static int64_t pipe_write(struct vnode *vn, const void *buf, size_t n,
			  uint64_t off)
{
	struct pipe *p = pipe_of(vn);
	size_t space = PIPE_CAPACITY - p->count, done = 0;

	(void)off;
	if (n == 0)
		return 0;
	if (!p->open[END_READ])
		return -EPIPE;
	if (space == 0 || (n <= PIPE_ATOMIC && space < n))
		return -EAGAIN;
	if (n > space)
		n = space;
	while (done < n) {
		size_t tail = (p->head + p->count) % PIPE_CAPACITY;
		size_t chunk = PIPE_CAPACITY - tail;

		if (chunk > n - done)
			chunk = n - done;
		if (app_copy(p->ring + tail, (const uint8_t *)buf + done, chunk))
			break; /* a partial chunk is not counted: it is not in */
		p->count += chunk;
		done += chunk;
	}
	if (done == 0)
		return -EFAULT;
	vfs_poll_event(p->vfs, &p->ends[END_READ], VFS_POLLIN); /* data */
	return (int64_t)done;
}

/* Linux's answers: readable with data, writable with space; a read end
 * without writers hangs up, a write end without readers is an error. */
static unsigned pipe_poll(struct vnode *vn)
{
	struct pipe *p = pipe_of(vn);
	unsigned mask = 0;

	if (vn == &p->ends[END_READ]) {
		if (p->count > 0)
			mask |= VFS_POLLIN | VFS_POLLRDNORM;
		if (!p->open[END_WRITE])
			mask |= VFS_POLLHUP;
	} else {
		if (p->count < PIPE_CAPACITY)
			mask |= VFS_POLLOUT | VFS_POLLWRNORM;
		if (!p->open[END_READ])
			mask |= VFS_POLLERR;
	}
	return mask;
}

static void pipe_release(struct vnode *vn)
{
	struct pipe *p = pipe_of(vn);
	struct vfs *vfs = p->vfs;
	int end = vn == &p->ends[END_READ] ? END_READ : END_WRITE;

	p->open[end] = false;
	if (!p->open[END_READ] && !p->open[END_WRITE]) {
		vfs->alloc.free(vfs->alloc.ctx, p->ring);
		vfs->alloc.free(vfs->alloc.ctx, p);
		vfs_notify_changed(vfs);
		return;
	}
	/* The other end hears it: a reader sees EOF, a writer EPIPE. */
	vfs_poll_event(vfs, &p->ends[!end], end == END_READ ? VFS_POLLERR : VFS_POLLHUP);
}

static const struct vnode_ops pipe_read_ops = {
	.read = pipe_read,
	.getattr = vfs_stream_getattr,
	.release = pipe_release,
	.poll = pipe_poll,
};

static const struct vnode_ops pipe_write_ops = {
	.write = pipe_write,
	.getattr = vfs_stream_getattr,
	.release = pipe_release,
	.poll = pipe_poll,
};

int pipe_new(struct vfs *vfs, int flags, struct vfs_file **read_end,
	     struct vfs_file **write_end)
{
	static uint64_t next_ino = 1;
	struct pipe *p = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*p));
	int nonblock = flags & VFS_O_NONBLOCK;
	int rc;

	if (p == NULL)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->ring = vfs->alloc.alloc(vfs->alloc.ctx, PIPE_CAPACITY);
	if (p->ring == NULL) {
		vfs->alloc.free(vfs->alloc.ctx, p);
		return -ENOMEM;
	}
	p->vfs = vfs;
	for (int end = END_READ; end <= END_WRITE; end++) {
		p->ends[end].ops = end == END_READ ? &pipe_read_ops : &pipe_write_ops;
		p->ends[end].mode = VFS_S_IFIFO | 0600;
		p->ends[end].ino = next_ino; /* both ends: one pipe */
		p->ends[end].fs = p;
		p->open[end] = true;
	}
	next_ino++;
	rc = vfs_file_new(vfs, &p->ends[END_READ], VFS_O_RDONLY | nonblock, read_end);
	if (rc == 0) {
		rc = vfs_file_new(vfs, &p->ends[END_WRITE], VFS_O_WRONLY | nonblock, write_end);
		if (rc)
			vfs_file_put(*read_end);
	}
	if (rc) {
		/* The read end's release (if it ran) left the write end open,
		 * so the pipe is still here to free. */
		vfs->alloc.free(vfs->alloc.ctx, p->ring);
		vfs->alloc.free(vfs->alloc.ctx, p);
	}
	return rc;
}
