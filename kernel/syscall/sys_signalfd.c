/*
 * signalfd, signalfd4: the signals pending for the process, read from a
 * file, as signalfd(2) describes it.
 *
 * The file object lives here, not in kernel/fs, because what it reads is
 * sys_signal.c's state (the pending signals, their origins, the calling
 * thread's own): kernel/fs may not call into the system call layer. It is
 * an anonymous stream (no file type), so reads go through sys_files.c's
 * rw_stream: -EAGAIN waits unless the file is O_NONBLOCK, and that wait is
 * an interruptible one (sys_poll_wait).
 *
 * A read takes the pending signals of the file's mask, the lowest first
 * (the reading thread's own before the process's), as many as the buffer
 * has room for, 128 bytes each (struct signalfd_siginfo); a buffer under
 * 128 bytes is -EINVAL. Like Linux's, a signalfd blocks nothing: a signal
 * stays pending only while the threads block it (else its handler or
 * default action takes it first). It is readable (POLLIN) while a signal
 * of its mask is pending for the process or the polling thread.
 *
 * Wake-ups: sys_signal.c calls sys_signalfd_raised when a signal became
 * pending; every open signalfd's events_in moves (epoll's edges) and every
 * waiter looks again (sys_poll_changed).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/fs.h>
#include <carapace/mutex.h>
#include <carapace/vfs.h>

#include "sys_kernel.h"

#define NR_SIGNALFD  282
#define NR_SIGNALFD4 289
#define SIGINFO_SIZE 128
#define UNBLOCKABLE  ((1ull << (LINUX_SIGKILL - 1)) | (1ull << (LINUX_SIGSTOP - 1)))

/* Linux's struct signalfd_siginfo. */
struct k_signalfd_siginfo {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint8_t pad[48];
};
_Static_assert(sizeof(struct k_signalfd_siginfo) == SIGINFO_SIZE, "Linux's signalfd_siginfo");

struct signalfd {
	struct vnode vn;
	struct vfs *vfs;
	uint64_t mask; /* changed under fs_lock, read by pollers under it */
	struct signalfd *next, *prev;
};

static const struct vnode_ops signalfd_ops;
/* Every open signalfd, for sys_signalfd_raised. all_lock comes after fs_lock. */
static struct mutex all_lock = MUTEX_INIT;
static struct signalfd *all;

/* A siginfo (sys_signal.c's, Linux's kernel layout) as signalfd gives it:
 * a timer's id, overrun and value, or a sender's pid and uid. */
static void fill(struct k_signalfd_siginfo *out, int sig, const uint8_t info[SIGINFO_SIZE])
{
	int32_t code, a, b;
	uint64_t value;

	memcpy(&code, info + 8, 4);
	memcpy(&a, info + 16, 4);
	memcpy(&b, info + 20, 4);
	memcpy(&value, info + 24, 8);
	memset(out, 0, sizeof(*out));
	out->signo = (uint32_t)sig;
	out->code = code;
	if (code == -2) { /* SI_TIMER */
		out->tid = (uint32_t)a;
		out->overrun = (uint32_t)b;
		out->int_ = (int32_t)value;
		out->ptr = value;
	} else if (code <= 0) { /* SI_USER, SI_TKILL */
		out->pid = (uint32_t)a;
		out->uid = (uint32_t)b;
	}
}

static int64_t signalfd_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct signalfd *s = vn->fs;
	size_t done = 0;

	(void)off;
	if (n < SIGINFO_SIZE)
		return -EINVAL;
	while (n - done >= SIGINFO_SIZE) {
		uint8_t info[SIGINFO_SIZE];
		struct k_signalfd_siginfo out;
		int sig = sys_signal_take(s->mask, info);

		if (sig == 0)
			break;
		fill(&out, sig, info);
		if (app_copy((char *)buf + done, &out, sizeof(out)))
			return done ? (int64_t)done : -EFAULT;
		done += SIGINFO_SIZE;
	}
	return done ? (int64_t)done : -EAGAIN;
}

static unsigned signalfd_poll(struct vnode *vn)
{
	struct signalfd *s = vn->fs;

	return sys_signal_pending_in(s->mask) ? VFS_POLLIN | VFS_POLLRDNORM : 0;
}

static void signalfd_release(struct vnode *vn)
{
	struct signalfd *s = vn->fs;

	mutex_lock(&all_lock);
	if (s->prev)
		s->prev->next = s->next;
	else
		__atomic_store_n(&all, s->next, __ATOMIC_RELEASE);
	if (s->next)
		s->next->prev = s->prev;
	mutex_unlock(&all_lock);
	s->vfs->alloc.free(s->vfs->alloc.ctx, s);
}

static const struct vnode_ops signalfd_ops = {
	.read = signalfd_read,
	.getattr = vfs_stream_getattr,
	.release = signalfd_release,
	.poll = signalfd_poll,
};

void sys_signalfd_raised(void)
{
	bool any;

	if (!__atomic_load_n(&all, __ATOMIC_ACQUIRE))
		return; /* the common case: nobody reads signals from a file */
	mutex_lock(&all_lock);
	any = all != NULL;
	for (struct signalfd *s = all; s; s = s->next)
		__atomic_add_fetch(&s->vn.events_in, 1, __ATOMIC_RELAXED);
	mutex_unlock(&all_lock);
	if (any)
		sys_poll_changed(NULL);
}

static long signalfd_new(uint64_t mask, int flags)
{
	struct vfs *vfs = fs_vfs();
	struct vfs_fdtable *t = sys_files_lock();
	struct signalfd *s = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*s));
	struct vfs_file *f;
	long rc;

	if (s == NULL) {
		fs_unlock();
		return -ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->vn.ops = &signalfd_ops;
	s->vn.mode = 0600; /* no file type: an anonymous inode, as on Linux */
	s->vn.ino = 1;
	s->vn.fs = s;
	s->vfs = vfs;
	s->mask = mask;
	rc = vfs_file_new(vfs, &s->vn, VFS_O_RDWR | (flags & VFS_O_NONBLOCK), &f);
	if (rc) {
		vfs->alloc.free(vfs->alloc.ctx, s);
		fs_unlock();
		return rc;
	}
	mutex_lock(&all_lock);
	s->next = all;
	if (all)
		all->prev = s;
	__atomic_store_n(&all, s, __ATOMIC_RELEASE);
	mutex_unlock(&all_lock);
	rc = fs_app_fd_install(t, f, (flags & VFS_O_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

/* An open signalfd's mask changes (-EBADF: fd not open; -EINVAL: not a signalfd). */
static long signalfd_set_mask(int fd, uint64_t mask)
{
	struct vfs_fdtable *t = sys_files_lock();
	struct vfs_file *f = vfs_fd_get(t, fd);
	long rc = -EBADF;

	if (f && f->vn->ops != &signalfd_ops) {
		rc = -EINVAL;
	} else if (f) {
		((struct signalfd *)f->vn->fs)->mask = mask;
		rc = fd;
	}
	fs_unlock();
	if (rc == fd)
		sys_signalfd_raised(); /* the new mask may make it readable */
	return rc;
}

static long sys_signalfd4(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int fd = (int)args[0], flags = (int)args[3];
	uint64_t mask;

	(void)env;
	if ((size_t)args[2] != sizeof(mask))
		return -EINVAL;
	memcpy(&mask, (const void *)args[1], sizeof(mask));
	mask &= ~UNBLOCKABLE; /* SIGKILL and SIGSTOP are never read, as on Linux */
	if (fd == -1)
		return signalfd_new(mask, flags);
	return fd < 0 ? -EBADF : signalfd_set_mask(fd, mask);
}

static long sys_signalfd(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const long with_flags[SYSCALL_MAX_ARGS] = { args[0], args[1], args[2], 0 };

	return sys_signalfd4(env, with_flags);
}

void sys_signalfd_register(syscall_handler_fn *table)
{
	table[NR_SIGNALFD] = sys_signalfd;
	table[NR_SIGNALFD4] = sys_signalfd4;
}
