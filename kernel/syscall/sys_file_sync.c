/*
 * The file calls that ask for durability, space, locks or a file's owner
 * and mode: fsync, fdatasync, syncfs, fadvise64, fallocate, flock,
 * truncate by path, chmod, fchmod, fchmodat, chown, fchown, lchown,
 * fchownat, utimensat; link and symlink, which no filesystem here
 * offers. Every file
 * lives in memory (ramfs, bootfs, devfs), so there is nothing to write
 * back and no space to reserve ahead; what is left is Linux's answer to
 * each argument, which programs do look at (a failed fsync is a failed
 * save).
 *
 * Locks: there is one process, and Linux never lets a process's own
 * record locks (fcntl F_SETLK, lockf) conflict with each other, so those
 * always succeed (sys_files.c). flock locks belong to an open file and
 * two opens of one file in one process can conflict on Linux; here they
 * do not (flock only checks its arguments).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/fs.h>
#include <carapace/vfs.h>

#include "sys_kernel.h"

#define NR_FLOCK      73
#define NR_FSYNC      74
#define NR_FDATASYNC  75
#define NR_TRUNCATE   76
#define NR_FADVISE64  221
#define NR_FALLOCATE  285
#define NR_SYNCFS     306
#define NR_CHMOD      90
#define NR_FCHMOD     91
#define NR_CHOWN      92
#define NR_FCHOWN     93
#define NR_LCHOWN     94
#define NR_FCHOWNAT   260
#define NR_FCHMODAT   268
#define NR_UTIMENSAT  280
#define NR_LINK       86
#define NR_SYMLINK    88
#define NR_LINKAT     265
#define NR_SYMLINKAT  266

#define UTIME_NOW  ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
#define NS_PER_SEC 1000000000l

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

#define POSIX_FADV_NOREUSE 5 /* the highest advice */

/* The file type of fd's file, or -EBADF. Called with fs_lock held. */
static long file_type(struct vfs_fdtable *t, int fd, struct vfs_file **out)
{
	struct linux_stat st;
	struct vfs_file *f = vfs_fd_get(t, fd);

	if (!f)
		return -EBADF;
	*out = f;
	if (vfs_file_is_stream(f))
		return 0; /* pipes, sockets, eventfds, epolls: no file type to ask */
	return vfs_fstat(f, &st) ? 0 : (long)(st.st_mode & VFS_S_IFMT);
}

/* fsync, fdatasync: regular files and directories have nothing to write
 * back (0); pipes, sockets and devices cannot be synced (-EINVAL). */
static long sync_file(int fd)
{
	struct vfs_file *f;
	long type = file_type(sys_files_lock(), fd, &f);

	fs_unlock();
	if (type < 0)
		return type;
	return type == VFS_S_IFREG || type == VFS_S_IFDIR ? 0 : -EINVAL;
}

static long sys_fsync(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return sync_file((int)args[0]);
}

/* syncfs: any open descriptor names a filesystem; nothing to write back. */
static long sys_syncfs(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc;

	(void)env;
	rc = vfs_fd_get(sys_files_lock(), (int)args[0]) ? 0 : -EBADF;
	fs_unlock();
	return rc;
}

/* posix_fadvise: advice 0..5 on a file (a stream: -ESPIPE); ignored. */
static long sys_fadvise64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long type = file_type(sys_files_lock(), (int)args[0], &f);

	(void)env;
	fs_unlock();
	if (type < 0)
		return type;
	if (vfs_file_is_stream(f))
		return -ESPIPE;
	if (args[2] < 0 || (int)args[3] < 0 || (int)args[3] > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return 0;
}

/*
 * fallocate with mode 0 (posix_fallocate): the file grows to offset + len
 * when it is shorter, as ftruncate would make it (ramfs allocates what is
 * written, and refuses a size past its limit with -EFBIG). Other modes
 * (punching holes, keeping the size) are -EOPNOTSUPP, as on a
 * filesystem without them.
 */
static long sys_fallocate(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int64_t off = args[2], len = args[3];
	struct linux_stat st;
	struct vfs_file *f;
	long rc;

	(void)env;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (off > INT64_MAX - len)
		return -EFBIG;
	rc = file_type(sys_files_lock(), (int)args[0], &f);
	if (rc >= 0 && (f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		rc = -EBADF;
	else if (rc >= 0 && vfs_file_is_stream(f))
		rc = -ESPIPE;
	else if (rc == VFS_S_IFDIR)
		rc = -EISDIR;
	else if (rc >= 0 && rc != VFS_S_IFREG)
		rc = -ENODEV;
	else if (rc >= 0 && (int)args[1] != 0)
		rc = -EOPNOTSUPP;
	else if (rc >= 0 && !(rc = vfs_fstat(f, &st)) && st.st_size < off + len)
		rc = vfs_ftruncate(f, off + len);
	fs_unlock();
	return rc < 0 ? rc : 0;
}

/* flock: the operation is checked, the descriptor must be open. */
static long sys_flock(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int op = (int)args[1] & ~LOCK_NB;
	long rc;

	(void)env;
	rc = vfs_fd_get(sys_files_lock(), (int)args[0]) ? 0 : -EBADF;
	fs_unlock();
	if (rc == 0 && op != LOCK_SH && op != LOCK_EX && op != LOCK_UN)
		rc = -EINVAL;
	return rc;
}

/* truncate: by path, as ftruncate on the file (a negative size -EINVAL). */
static long sys_truncate(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc;

	(void)env;
	if (args[1] < 0)
		return -EINVAL;
	sys_files_lock();
	rc = vfs_truncate(fs_vfs(), fs_app_cwd(), (const char *)args[0], (uint64_t)args[1]);
	fs_unlock();
	return rc;
}

/* chmod, fchmodat: the permission bits of a node on ramfs (others -EROFS). */
static long chmod_at(int dirfd, const char *path, uint32_t mode)
{
	const char *base;
	long rc;

	sys_files_lock();
	if (!(rc = sys_files_path_base(dirfd, path, &base)))
		rc = vfs_chmod(fs_vfs(), base, path, mode);
	fs_unlock();
	return rc;
}

static long sys_chmod(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return chmod_at(LINUX_AT_FDCWD, (const char *)args[0], (uint32_t)args[1]);
}

static long sys_fchmodat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return chmod_at((int)args[0], (const char *)args[1], (uint32_t)args[2]);
}

static long sys_fchmod(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long rc;

	(void)env;
	f = vfs_fd_get(sys_files_lock(), (int)args[0]);
	rc = f ? vfs_vnode_chmod(f->vn, (uint32_t)args[1]) : -EBADF;
	fs_unlock();
	return rc;
}

/*
 * chown and friends: every file belongs to root and there is no other
 * user or group to give it to, so root (0) or -1 (unchanged) succeeds once
 * the file is found, and any other id is -EPERM (Linux, as root, would
 * record it).
 */
static long owner_ok(long uid, long gid)
{
	return ((uint32_t)uid == 0 || (uint32_t)uid == UINT32_MAX) &&
	       ((uint32_t)gid == 0 || (uint32_t)gid == UINT32_MAX) ? 0 : -EPERM;
}

/* 0 when path (relative to dirfd) names a file, else why not. */
static long exists_at(int dirfd, const char *path)
{
	struct linux_stat st;
	const char *base;
	long rc;

	sys_files_lock();
	if (!(rc = sys_files_path_base(dirfd, path, &base)))
		rc = vfs_stat(fs_vfs(), base, path, &st);
	fs_unlock();
	return rc;
}

static long chown_at(int dirfd, const char *path, long uid, long gid)
{
	long rc = exists_at(dirfd, path);

	return rc ? rc : owner_ok(uid, gid);
}

static long sys_chown(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return chown_at(LINUX_AT_FDCWD, (const char *)args[0], args[1], args[2]);
}

static long sys_fchownat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return chown_at((int)args[0], (const char *)args[1], args[2], args[3]);
}

static long sys_fchown(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc;

	(void)env;
	rc = vfs_fd_get(sys_files_lock(), (int)args[0]) ? 0 : -EBADF;
	fs_unlock();
	return rc ? rc : owner_ok(args[1], args[2]);
}

/* One of utimensat's times: its seconds, now, or VFS_TIME_OMIT; -EINVAL
 * for nanoseconds outside 0..999999999 that are neither UTIME_ flag. */
static int pick_time(const struct linux_timespec *ts, int64_t now_sec, int64_t *out)
{
	if (ts->tv_nsec == UTIME_NOW)
		*out = now_sec;
	else if (ts->tv_nsec == UTIME_OMIT)
		*out = VFS_TIME_OMIT;
	else if (ts->tv_nsec < 0 || ts->tv_nsec >= NS_PER_SEC)
		return -EINVAL;
	else
		*out = ts->tv_sec;
	return 0;
}

/*
 * utimensat (utime, utimes, futimens): sets a file's access and
 * modification times (whole seconds: ramfs keeps no fraction); no times
 * means now for both. A NULL path names dirfd's own file (futimens).
 * Filesystems that keep no times (bootfs, devfs, procfs, pipes) -EROFS.
 */
static long sys_utimensat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const char *path = (const char *)args[1], *base;
	int64_t now_sec = (int64_t)(env->clock_ns(env->ctx, SYSCALL_CLOCK_REALTIME) / NS_PER_SEC);
	int64_t atime = now_sec, mtime = now_sec;
	struct linux_timespec ts[2];
	struct vfs_file *f;
	struct vfs_fdtable *t;
	long rc;

	if (args[2]) {
		memcpy(ts, (const void *)args[2], sizeof(ts));
		if (pick_time(&ts[0], now_sec, &atime) || pick_time(&ts[1], now_sec, &mtime))
			return -EINVAL;
	}
	t = sys_files_lock();
	if (!path) {
		f = vfs_fd_get(t, (int)args[0]);
		rc = (int)args[0] == LINUX_AT_FDCWD ? -EFAULT
		     : f ? vfs_vnode_set_times(f->vn, atime, mtime) : -EBADF;
	} else if (!(rc = sys_files_path_base((int)args[0], path, &base))) {
		rc = vfs_set_times(fs_vfs(), base, path, atime, mtime);
	}
	fs_unlock();
	return rc;
}

/*
 * link, linkat, symlink, symlinkat: no filesystem here has hard or
 * symbolic links, so after Linux's checks (the target of a link must
 * exist, -ENOENT; the new name must not, -EEXIST) the answer is -EPERM,
 * Linux's for a filesystem that does not support them.
 */
static long no_links(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	long rc = oldpath ? exists_at(olddirfd, oldpath) : 0;

	if (rc)
		return rc;
	rc = exists_at(newdirfd, newpath);
	return rc == 0 ? -EEXIST : rc == -ENOENT ? -EPERM : rc;
}

static long sys_link(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return no_links(LINUX_AT_FDCWD, (const char *)args[0], LINUX_AT_FDCWD,
			(const char *)args[1]);
}

static long sys_linkat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return no_links((int)args[0], (const char *)args[1], (int)args[2], (const char *)args[3]);
}

static long sys_symlink(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return no_links(LINUX_AT_FDCWD, NULL, LINUX_AT_FDCWD, (const char *)args[1]);
}

static long sys_symlinkat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return no_links(LINUX_AT_FDCWD, NULL, (int)args[1], (const char *)args[2]);
}

void sys_file_sync_register(syscall_handler_fn *table)
{
	table[NR_LINK] = sys_link;
	table[NR_LINKAT] = sys_linkat;
	table[NR_SYMLINK] = sys_symlink;
	table[NR_SYMLINKAT] = sys_symlinkat;
	table[NR_UTIMENSAT] = sys_utimensat;
	table[NR_CHMOD] = sys_chmod;
	table[NR_FCHMOD] = sys_fchmod;
	table[NR_FCHMODAT] = sys_fchmodat;
	table[NR_CHOWN] = sys_chown;
	table[NR_LCHOWN] = sys_chown; /* no symbolic links: lchown is chown */
	table[NR_FCHOWN] = sys_fchown;
	table[NR_FCHOWNAT] = sys_fchownat;
	table[NR_FSYNC] = sys_fsync;
	table[NR_FDATASYNC] = sys_fsync;
	table[NR_SYNCFS] = sys_syncfs;
	table[NR_FADVISE64] = sys_fadvise64;
	table[NR_FALLOCATE] = sys_fallocate;
	table[NR_FLOCK] = sys_flock;
	table[NR_TRUNCATE] = sys_truncate;
}
