/*
 * File-descriptor tables: a fixed array of VFS_FD_MAX slots, each holding a
 * reference on an open file and its close-on-exec flag. New descriptors
 * take the lowest free slot below the table's limit (RLIMIT_NOFILE), as
 * POSIX requires.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <carapace/vfs.h>

void vfs_fdtable_init(struct vfs_fdtable *t)
{
	memset(t, 0, sizeof(*t));
	t->limit = t->limit_max = VFS_FD_MAX;
}

int vfs_fdtable_set_limit(struct vfs_fdtable *t, uint64_t limit, uint64_t limit_max)
{
	if (limit > limit_max)
		return -EINVAL;
	if (limit_max > VFS_FD_MAX)
		return -EPERM;
	t->limit = (int)limit;
	t->limit_max = (int)limit_max;
	return 0;
}

static bool fd_valid(struct vfs_fdtable *t, int fd)
{
	return fd >= 0 && fd < VFS_FD_MAX && t->fds[fd].file != NULL;
}

int vfs_fd_install(struct vfs_fdtable *t, struct vfs_file *f, bool cloexec)
{
	for (int fd = 0; fd < t->limit; fd++) {
		if (t->fds[fd].file == NULL) {
			vfs_file_get(f);
			t->fds[fd].file = f;
			t->fds[fd].cloexec = cloexec;
			if (fd >= t->end)
				t->end = fd + 1;
			return fd;
		}
	}
	return -EMFILE;
}

struct vfs_file *vfs_fd_get(struct vfs_fdtable *t, int fd)
{
	return fd_valid(t, fd) ? t->fds[fd].file : NULL;
}

int vfs_fd_close(struct vfs_fdtable *t, int fd)
{
	struct vfs_file *f;

	if (!fd_valid(t, fd))
		return -EBADF;
	f = t->fds[fd].file;
	t->fds[fd].file = NULL;
	t->fds[fd].cloexec = false;
	vfs_file_put(f);
	return 0;
}

int vfs_fd_dup(struct vfs_fdtable *t, int fd)
{
	if (!fd_valid(t, fd))
		return -EBADF;
	return vfs_fd_install(t, t->fds[fd].file, false);
}

/*
 * dup2 (is_dup2, flags 0) and dup3: newfd becomes a copy of oldfd, closing
 * what it held. dup2 onto itself is a no-op; dup3 onto itself is -EINVAL.
 */
int vfs_fd_dup3(struct vfs_fdtable *t, int oldfd, int newfd, int flags,
		bool is_dup2)
{
	struct vfs_file *old;

	if (!is_dup2 && ((flags & ~VFS_O_CLOEXEC) != 0 || oldfd == newfd))
		return -EINVAL;
	if (!fd_valid(t, oldfd) || newfd < 0 || newfd >= t->limit)
		return -EBADF;
	if (oldfd == newfd)
		return newfd;
	vfs_file_get(t->fds[oldfd].file);
	old = t->fds[newfd].file;
	t->fds[newfd].file = t->fds[oldfd].file;
	t->fds[newfd].cloexec = !is_dup2 && (flags & VFS_O_CLOEXEC);
	if (newfd >= t->end)
		t->end = newfd + 1;
	if (old != NULL)
		vfs_file_put(old);
	return newfd;
}

void vfs_fdtable_close_all(struct vfs_fdtable *t)
{
	/* Only up to end: a scan of all 16,384 slots was 98,000 instructions at every exit. */
	for (int fd = 0; fd < t->end; fd++)
		if (t->fds[fd].file != NULL)
			vfs_fd_close(t, fd);
}

void vfs_fdtable_close_on_exec(struct vfs_fdtable *t)
{
	for (int fd = 0; fd < t->end; fd++)
		if (t->fds[fd].file != NULL && t->fds[fd].cloexec)
			vfs_fd_close(t, fd);
}
