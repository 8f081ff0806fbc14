/*
 * File system calls, on the VFS (kernel/fs/) through the mounted namespace
 * of kernel/fs/mount.c. The application's descriptor table and working
 * directory are kernel/fs/app_files.c's; both, like every VFS call, are
 * used under fs_lock().
 *
 * Buffers were checked by the table before a handler runs; the VFS reads
 * and writes them in place (one address space). Handlers that find more
 * pointers (readv/writev's iovecs) copy the array once, check every
 * buffer, and only then act.
 *
 * A *at() call's directory fd stands for the path the directory had when
 * it was opened (a rename of it since is not seen). There are no symbolic links (readlink: -EINVAL).
 * access() checks existence, and X_OK an execute bit on a regular file
 * (the process is root).
 *
 * Pipes and eventfds (kernel/fs/pipe.c, eventfd.c; made in sys_poll.c)
 * never block by themselves: they answer -EAGAIN, and rw_file waits for
 * their next change (sys_poll.c) with fs_lock dropped, unless the file is
 * O_NONBLOCK.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/ifinfo.h>
#include <carapace/memory.h>
#include <carapace/socket.h>
#include <carapace/vfs.h>

#include "sys_kernel.h"

#define NR_READ      0
#define NR_WRITE     1
#define NR_OPEN      2
#define NR_CLOSE     3
#define NR_STAT      4
#define NR_FSTAT     5
#define NR_LSTAT     6
#define NR_LSEEK     8
#define NR_IOCTL     16
#define NR_PREAD64   17
#define NR_PWRITE64  18
#define NR_READV     19
#define NR_WRITEV    20
#define NR_ACCESS    21
#define NR_DUP       32
#define NR_DUP2      33
#define NR_FCNTL     72
#define NR_FTRUNCATE 77
#define NR_GETCWD    79
#define NR_CHDIR     80
#define NR_FCHDIR    81
#define NR_RENAME    82
#define NR_MKDIR     83
#define NR_RMDIR     84
#define NR_UNLINK    87
#define NR_READLINK  89
#define NR_READLINKAT 267
#define NR_MEMFD_CREATE 319
#define NR_UMASK     95
#define NR_SENDFILE  40
#define NR_COPY_FILE_RANGE 326
#define NR_GETDENTS64 217
#define NR_OPENAT    257
#define NR_MKDIRAT   258
#define NR_NEWFSTATAT 262
#define NR_UNLINKAT  263
#define NR_RENAMEAT  264
#define NR_FACCESSAT 269
#define NR_FACCESSAT2 439
#define NR_DUP3      292
#define NR_PREADV    295
#define NR_PWRITEV   296
#define NR_STATX     332

#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define F_GETLK         5
#define F_SETLK         6
#define F_SETLKW        7
#define F_OFD_GETLK     36
#define F_OFD_SETLK     37
#define F_OFD_SETLKW    38
#define F_SETPIPE_SZ    1031
#define F_GETPIPE_SZ    1032
#define F_RDLCK         0
#define F_WRLCK         1
#define F_UNLCK         2
#define FD_CLOEXEC      1
/*
 * What F_GETFL reports: the access mode and the status flags a file keeps
 * (append, nonblock, dsync, async, direct, largefile, directory, nofollow,
 * noatime, sync, path), as Linux's f_flags. open keeps every bit it was
 * given, so without the mask F_GETFL could answer a negative number that
 * is not an errno (found by fuzz_syscall_prog).
 */
#define LX_F_GETFL_BITS 015776003
#define SSIZE_LIMIT     0x7fffffffffffffffull

struct k_iovec {
	uint64_t base, len;
};
_Static_assert(sizeof(struct k_iovec) == sizeof(struct socket_iov) &&
		       offsetof(struct socket_iov, len) == offsetof(struct k_iovec, len),
	       "readv/writev hand their iovecs to sockets as they are");

/* Linux's struct statx (x86_64). */
struct k_statx_time {
	int64_t sec;
	uint32_t nsec;
	int32_t reserved;
};

struct k_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct k_statx_time atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct k_statx) == 256, "Linux's struct statx is 256 bytes");

/* The application's descriptor table (kernel/fs/app_files.c). */
static struct vfs_fdtable *fdtable;
/* The file mode creation mask (umask), under fs_lock; Linux's 022 at start. */
static uint32_t creation_mask = 022;

/*
 * Takes fs_lock, with the application's descriptor table in fdtable; the
 * first time, the VFS's change notifications go to sys_poll.c.
 */
static void files_lock(void)
{
	static bool notify_ready;

	fdtable = fs_app_files_lock();
	if (!notify_ready) {
		fs_vfs()->notify = (struct vfs_notify){ sys_poll_changed, sys_poll_slots_changed,
							NULL };
		notify_ready = true;
	}
}

/*
 * The directory a path is relative to: the cwd for AT_FDCWD or an absolute
 * path, else the path an open directory had when it was opened
 * (vfs_file's dir_path); another file is -ENOTDIR.
 */
int sys_files_path_base(int dirfd, const char *path, const char **base)
{
	struct vfs_file *f;

	*base = fs_app_cwd();
	if (path[0] == '\0')
		return -ENOENT;
	if (path[0] == '/' || dirfd == LINUX_AT_FDCWD)
		return 0;
	if (!(f = vfs_fd_get(fdtable, dirfd)))
		return -EBADF;
	if (!f->dir_path)
		return -ENOTDIR;
	*base = f->dir_path;
	return 0;
}

/* ---- reading and writing ---- */

/*
 * A pipe or eventfd transfer; fs_lock held. -EAGAIN is waited out unless
 * the file is O_NONBLOCK (our reference keeps the file while the lock is
 * dropped), and a blocking write to a pipe goes on until every byte is in.
 */
static long rw_stream(struct vfs_file *f, void *buf, size_t n, bool write)
{
	bool nonblock = f->flags & VFS_O_NONBLOCK;
	bool whole = write && !nonblock && VFS_S_ISFIFO(f->vn->mode);
	long done = 0, rc;

	vfs_file_get(f);
	for (;;) {
		/* buf may be NULL with n == 0 (writev of no iovec): no arithmetic on it then. */
		void *at = done ? (char *)buf + done : buf;
		/* Read before the look: a signalfd's signal comes without fs_lock. */
		uint64_t seen = sys_poll_changes();

		rc = write ? vfs_write(f, at, n - (size_t)done) : vfs_read(f, buf, n);
		if (rc == -EAGAIN && !nonblock) {
			if (sys_poll_wait_since(seen, 0) != -EINTR)
				continue;
			rc = -SYS_ERESTARTSYS; /* a signal: restarted with SA_RESTART */
		}
		if (rc < 0 || !whole || (done += rc) == (long)n)
			break;
	}
	vfs_file_put(f);
	if (rc < 0)
		return done > 0 ? done : rc;
	return whole ? done : rc;
}

/* One transfer on an open file other than a socket; fs_lock held. */
static long rw_file(struct vfs_file *f, void *buf, size_t n, bool write, bool positioned, int64_t off)
{
	/* pread64/pwrite64 ending past INT64_MAX: -EINVAL as Linux's
	 * rw_verify_area (a stream's -ESPIPE first), as preadv/pwritev. */
	if (positioned && off >= 0 && n > (uint64_t)INT64_MAX - (uint64_t)off)
		return vfs_file_is_stream(f) ? -ESPIPE : -EINVAL;
	if (positioned)
		return write ? vfs_pwrite(f, buf, n, off) : vfs_pread(f, buf, n, off);
	if (vfs_file_is_stream(f))
		return rw_stream(f, buf, n, write);
	return write ? vfs_write(f, buf, n) : vfs_read(f, buf, n);
}

static long rw(int fd, void *buf, size_t n, bool write, bool positioned, int64_t off)
{
	struct vfs_file *f;
	long rc;

	files_lock();
	f = vfs_fd_get(fdtable, fd);
	if (f && !positioned && socket_of_file(f)) {
		struct socket_iov iov = { buf, n };

		rc = sys_net_rw(f, &iov, 1, write); /* releases fs_lock */
	} else {
		rc = f ? rw_file(f, buf, n, write, positioned, off) : -EBADF;
		fs_unlock();
	}
	if (write && rc == -EPIPE)
		sys_signal_pipe();
	return rc;
}

static long sys_read(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rw((int)args[0], (void *)args[1], (size_t)args[2], false, false, 0);
}

static long sys_write(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rw((int)args[0], (void *)args[1], (size_t)args[2], true, false, 0);
}

static long sys_pread64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rw((int)args[0], (void *)args[1], (size_t)args[2], false, true, args[3]);
}

static long sys_pwrite64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rw((int)args[0], (void *)args[1], (size_t)args[2], true, true, args[3]);
}

/* ---- memfd_create ---- */

#define MFD_CLOEXEC       0x1u
#define MFD_ALLOW_SEALING 0x2u
#define MFD_NAME_MAX      249 /* Linux's limit, without its "memfd:" prefix */

/*
 * memfd_create(name, flags): an anonymous file in memory. It is a ramfs
 * file made under /tmp with a name of its own and unlinked at once, so no
 * path reaches it and it goes with its last descriptor; it reads, writes,
 * seeks, truncates and maps as any /tmp file, and counts against /tmp's
 * size. MFD_CLOEXEC is honoured; MFD_ALLOW_SEALING is accepted, but seals
 * are not kept (F_ADD_SEALS and F_GET_SEALS stay -EINVAL); MFD_HUGETLB
 * and other flags -EINVAL, a name over 249 bytes -EINVAL; mode 0777, as
 * Linux.
 */
static long sys_memfd_create(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	static unsigned long made;
	unsigned flags = (unsigned)args[1];
	char path[48];
	struct vfs_file *f;
	long rc;

	(void)env;
	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING) || strlen((const char *)args[0]) > MFD_NAME_MAX)
		return -EINVAL;
	files_lock();
	fmt_snprintf(path, sizeof(path), "/tmp/.memfd-%lu", made++);
	rc = vfs_open(fs_vfs(), "/", path, VFS_O_RDWR | VFS_O_CREAT | VFS_O_EXCL, 0777, &f);
	if (rc == 0) {
		vfs_unlink(fs_vfs(), "/", path);
		rc = fs_app_fd_install(fdtable, f, (flags & MFD_CLOEXEC) != 0);
	}
	fs_unlock();
	return rc;
}

/* ---- sendfile, copy_file_range ---- */

/* The most one call moves (Linux's MAX_RW_COUNT), and the bounce buffer's size. */
#define TRANSFER_MAX   0x7ffff000l
#define TRANSFER_CHUNK 65536

/*
 * The checks both calls make before moving a byte: in open for reading
 * and a regular file (-EINVAL for anything else: sendfile's in_fd must
 * be one whose bytes can be read at an offset, as Linux's), out open for
 * writing (-EBADF otherwise); copy_file_range's out must be a regular
 * file not in append mode (-EBADF), and neither may be a directory
 * (-EISDIR). *same: both descriptors name the same file.
 */
static long transfer_check(int in_fd, int out_fd, bool file_to_file, bool *same)
{
	struct vfs_file *in, *out;
	long rc = 0;

	files_lock();
	in = vfs_fd_get(fdtable, in_fd);
	out = vfs_fd_get(fdtable, out_fd);
	if (!in || !out || (in->flags & VFS_O_ACCMODE) == VFS_O_WRONLY ||
	    (out->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		rc = -EBADF;
	else if (VFS_S_ISDIR(in->vn->mode) || VFS_S_ISDIR(out->vn->mode))
		rc = file_to_file ? -EISDIR : -EINVAL;
	else if (!VFS_S_ISREG(in->vn->mode) || (file_to_file && !VFS_S_ISREG(out->vn->mode)))
		rc = -EINVAL;
	else if (file_to_file && (out->flags & VFS_O_APPEND))
		rc = -EBADF;
	*same = rc == 0 && in->vn == out->vn;
	fs_unlock();
	return rc;
}

/* Moves the position of fd's file by delta (bytes read but not written go back). */
static void position_back(int fd, int64_t delta)
{
	struct vfs_file *f;

	files_lock();
	if ((f = vfs_fd_get(fdtable, fd)))
		vfs_lseek(f, -delta, VFS_SEEK_CUR);
	fs_unlock();
}

/*
 * Moves up to count bytes from in_fd to out_fd through a kernel buffer,
 * TRANSFER_CHUNK at a time, with read(2) and write(2)'s own paths (so a
 * socket or pipe at out_fd blocks, fails with EAGAIN or raises SIGPIPE as
 * write would). An offset given (*in_off, *out_off) is used and advanced
 * and the file's position left alone; otherwise the position is, and
 * bytes read but not written are given back. Stops at the end of in, at
 * a short write, or at an error; returns the bytes moved, or the error if
 * none were.
 */
static long transfer(int in_fd, int64_t *in_off, int out_fd, int64_t *out_off, size_t count)
{
	size_t chunk = count < TRANSFER_CHUNK ? count : TRANSFER_CHUNK;
	char *buf = chunk ? kmalloc(chunk) : NULL;
	long done = 0, got = 0, put = 0;

	if (chunk && !buf)
		return -ENOMEM;
	while ((size_t)done < count) {
		size_t want = count - (size_t)done < chunk ? count - (size_t)done : chunk;

		got = in_off ? rw(in_fd, buf, want, false, true, *in_off)
			     : rw(in_fd, buf, want, false, false, 0);
		if (got <= 0)
			break;
		put = out_off ? rw(out_fd, buf, (size_t)got, true, true, *out_off)
			      : rw(out_fd, buf, (size_t)got, true, false, 0);
		if (put < got && !in_off)
			position_back(in_fd, got - (put > 0 ? put : 0));
		if (put <= 0)
			break;
		if (in_off)
			*in_off += put;
		if (out_off)
			*out_off += put;
		done += put;
		if (put < got)
			break;
	}
	kfree(buf);
	if (done > 0)
		return done;
	return got < 0 ? got : put < 0 ? put : 0;
}

/* An offset argument: NULL (the file's position), or a value >= 0 (-EINVAL). */
static long transfer_offset(long arg, int64_t *off, int64_t **use)
{
	*use = NULL;
	if (!arg)
		return 0;
	memcpy(off, (const void *)arg, sizeof(*off));
	if (*off < 0)
		return -EINVAL;
	*use = off;
	return 0;
}

/*
 * copy_file_range within one file: -EINVAL when the ranges overlap, the
 * source's length cut at the end of the file first (Linux's
 * generic_copy_file_checks). Each side starts at its offset or at its
 * descriptor's position.
 */
static long same_file_overlap(int in_fd, const int64_t *in_off, int out_fd, const int64_t *out_off,
			      size_t len)
{
	struct vfs_file *in, *out;
	struct linux_stat st;
	int64_t from, to;
	long rc = 0;

	files_lock();
	in = vfs_fd_get(fdtable, in_fd);
	out = vfs_fd_get(fdtable, out_fd);
	if (!in || !out || vfs_fstat(in, &st) != 0) {
		rc = -EBADF;
	} else {
		from = in_off ? *in_off : vfs_lseek(in, 0, VFS_SEEK_CUR);
		to = out_off ? *out_off : vfs_lseek(out, 0, VFS_SEEK_CUR);
		if (from >= st.st_size)
			len = 0;
		else if (len > (uint64_t)(st.st_size - from))
			len = (size_t)(st.st_size - from);
		if (len && to < from + (int64_t)len && from < to + (int64_t)len)
			rc = -EINVAL;
	}
	fs_unlock();
	return rc;
}

/* sendfile(out_fd, in_fd, offset, count): a regular file's bytes to any file or socket. */
static long sys_sendfile(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int64_t off, *use;
	bool same;
	long rc;

	(void)env;
	if ((rc = transfer_check((int)args[1], (int)args[0], false, &same)) ||
	    (rc = transfer_offset(args[2], &off, &use)))
		return rc;
	rc = transfer((int)args[1], use, (int)args[0], NULL,
		      (uint64_t)args[3] > TRANSFER_MAX ? TRANSFER_MAX : (size_t)args[3]);
	if (use)
		memcpy((void *)args[2], &off, sizeof(off));
	return rc;
}

/*
 * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): between
 * regular files; flags must be 0, and a range copied onto itself or an
 * overlapping one of the same file is -EINVAL, as on Linux.
 */
static long sys_copy_file_range(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	int64_t in_off, out_off, *in_use, *out_use;
	size_t len = (uint64_t)args[4] > TRANSFER_MAX ? TRANSFER_MAX : (size_t)args[4];
	bool same;
	long rc;

	(void)env;
	if (args[5] != 0)
		return -EINVAL;
	if ((rc = transfer_check((int)args[0], (int)args[2], true, &same)) ||
	    (rc = transfer_offset(args[1], &in_off, &in_use)) ||
	    (rc = transfer_offset(args[3], &out_off, &out_use)))
		return rc;
	if (same && (rc = same_file_overlap((int)args[0], in_use, (int)args[2], out_use, len)))
		return rc;
	rc = transfer((int)args[0], in_use, (int)args[2], out_use, len);
	if (in_use)
		memcpy((void *)args[1], &in_off, sizeof(in_off));
	if (out_use)
		memcpy((void *)args[3], &out_off, sizeof(out_off));
	return rc;
}

/* ftruncate: the filesystem bounds the size (ramfs: -EFBIG past its limit). */
static long sys_ftruncate(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long rc;

	(void)env;
	files_lock();
	f = vfs_fd_get(fdtable, (int)args[0]);
	rc = f ? vfs_ftruncate(f, (int64_t)args[1]) : -EBADF;
	fs_unlock();
	return rc;
}

/* readv/writev's iovecs up to this many: on the stack, no allocation. */
#define RW_IOV_ON_STACK 8

/*
 * readv/writev: the iovec array is copied once; every buffer is checked
 * and the total must fit in ssize_t before anything is read or written;
 * preadv/pwritev's end, off plus the total, must fit in an offset too
 * (-EINVAL, as Linux), so that no iovec's offset overflows. A short
 * transfer or an error after some bytes ends the call with the bytes done
 * so far, as Linux does.
 */
static long rw_vector(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS], bool write,
		      bool positioned, int64_t off)
{
	int count = (int)args[2];
	struct k_iovec on_stack[RW_IOV_ON_STACK], *iov = on_stack;
	struct vfs_file *f;
	uint64_t total = 0;
	long done = 0;

	if (count < 0)
		return -EINVAL;
	if (positioned && off < 0)
		return -EINVAL;
	if (count == 0)
		return rw((int)args[0], NULL, 0, write, positioned, off);
	if (count > RW_IOV_ON_STACK && !(iov = kmalloc((size_t)count * sizeof(*iov))))
		return -ENOMEM;
	if (app_copy(iov, (const void *)args[1], (size_t)count * sizeof(*iov)))
		done = -EFAULT;
	for (int i = 0; done == 0 && i < count; i++) {
		if (iov[i].len > SSIZE_LIMIT - total)
			done = -EINVAL;
		else if (syscall_check_range(env, (uintptr_t)iov[i].base, iov[i].len, !write) ||
			 (iov[i].len && iov[i].base + iov[i].len < iov[i].base))
			done = -EFAULT;
		total += iov[i].len;
	}
	if (done == 0 && positioned && total > (uint64_t)INT64_MAX - (uint64_t)off)
		done = -EINVAL;
	if (done) {
		if (iov != on_stack)
			kfree(iov);
		return done;
	}
	/*
	 * Under one lock: no other call's bytes land between two iovecs (but a
	 * pipe that must be waited for drops it; our reference keeps f).
	 */
	files_lock();
	if ((f = vfs_fd_get(fdtable, (int)args[0])) && socket_of_file(f) && !positioned) {
		/* One message of all the buffers (a datagram is not split);
		 * sys_net_rw releases fs_lock. */
		done = sys_net_rw(f, (struct socket_iov *)iov, (unsigned)count, write);
		goto out;
	}
	if (!f) {
		fs_unlock();
		done = -EBADF;
		goto out;
	}
	vfs_file_get(f);
	for (int i = 0; i < count; i++) {
		long rc = rw_file(f, (void *)iov[i].base, iov[i].len, write, positioned, off + done);

		if (rc < 0) {
			if (done == 0)
				done = rc;
			break;
		}
		done += rc;
		if ((uint64_t)rc < iov[i].len)
			break;
	}
	vfs_file_put(f);
	fs_unlock();
out:
	if (iov != on_stack)
		kfree(iov);
	if (write && done == -EPIPE)
		sys_signal_pipe();
	return done;
}

static long sys_readv(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return rw_vector(env, args, false, false, 0);
}

static long sys_writev(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return rw_vector(env, args, true, false, 0);
}

/* preadv, pwritev: at an offset (argument 3: the whole offset on x86_64;
 * argument 4, its high half on 32-bit systems, is ignored), the file's own
 * offset unchanged; a stream is -ESPIPE, a negative offset -EINVAL. */
static long sys_preadv(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return rw_vector(env, args, false, true, args[3]);
}

static long sys_pwritev(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	return rw_vector(env, args, true, true, args[3]);
}

/* ---- opening, closing, descriptors ---- */

static long open_at(int dirfd, const char *path, int flags, uint32_t mode)
{
	struct vfs_file *f;
	const char *base;
	long rc;

	files_lock();
	if (!(rc = sys_files_path_base(dirfd, path, &base)) &&
	    !(rc = vfs_open(fs_vfs(), base, path, flags, mode & 07777 & ~creation_mask, &f)))
		rc = fs_app_fd_install(fdtable, f, (flags & VFS_O_CLOEXEC) != 0);
	fs_unlock();
	return rc;
}

static long sys_open(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return open_at(LINUX_AT_FDCWD, (const char *)args[0], (int)args[1], (uint32_t)args[2]);
}

static long sys_openat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return open_at((int)args[0], (const char *)args[1], (int)args[2], (uint32_t)args[3]);
}

/* A socket whose SO_LINGER says to wait closes after its wait (sys_net.c). */
static long sys_close(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *lingering;
	long rc;

	(void)env;
	files_lock();
	lingering = sys_net_lingering(vfs_fd_get(fdtable, (int)args[0]));
	rc = vfs_fd_close(fdtable, (int)args[0]);
	fs_unlock();
	if (lingering)
		sys_net_linger(lingering);
	return rc;
}

static long sys_lseek(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long rc;

	(void)env;
	files_lock();
	f = vfs_fd_get(fdtable, (int)args[0]);
	rc = f ? vfs_lseek(f, args[1], (int)args[2]) : -EBADF;
	fs_unlock();
	return rc;
}

static long sys_dup(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long rc;

	(void)env;
	files_lock();
	rc = vfs_fd_dup(fdtable, (int)args[0]);
	fs_unlock();
	return rc;
}

static long dup_to(int oldfd, int newfd, int flags, bool is_dup2)
{
	long rc;

	files_lock();
	rc = vfs_fd_dup3(fdtable, oldfd, newfd, flags, is_dup2);
	fs_unlock();
	return rc;
}

static long sys_dup2(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return dup_to((int)args[0], (int)args[1], 0, true);
}

static long sys_dup3(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return dup_to((int)args[0], (int)args[1], (int)args[2], false);
}

/* F_DUPFD: the lowest free descriptor at or above min. */
static long dup_from(int fd, long min, bool cloexec)
{
	if (min < 0 || min >= fdtable->limit)
		return -EINVAL;
	for (int nfd = (int)min; nfd < fdtable->limit; nfd++) {
		if (!fdtable->fds[nfd].file) {
			long rc = vfs_fd_dup3(fdtable, fd, nfd, 0, true);

			if (rc >= 0)
				fdtable->fds[nfd].cloexec = cloexec;
			return rc;
		}
	}
	return -EMFILE;
}

struct k_flock { /* Linux's struct flock on x86_64 */
	int16_t type, whence;
	int32_t pad;
	int64_t start, len;
	int32_t pid, pad2;
};

/*
 * Record locks (fcntl F_SETLK and friends, lockf): a process's own locks
 * never conflict with each other on Linux, and there is one process, so
 * every lock is granted and F_GETLK finds none (F_UNLCK). The request is
 * checked as Linux checks it: the type and whence (-EINVAL), a read lock
 * on a file not open for reading or a write lock on one not open for
 * writing (-EBADF). The struct is copied in (-EFAULT).
 */
static long record_lock(struct vfs_file *f, int cmd, struct k_flock *user)
{
	int mode = f->flags & VFS_O_ACCMODE;
	struct k_flock fl;

	if (syscall_check_range(syscall_kernel_env(), (uintptr_t)user, sizeof(fl), false) ||
	    app_copy(&fl, user, sizeof(fl)))
		return -EFAULT;
	if ((fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK) ||
	    fl.whence < 0 || fl.whence > 2)
		return -EINVAL;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		if (fl.type == F_UNLCK)
			return -EINVAL;
		fl.type = F_UNLCK;
		if (syscall_check_range(syscall_kernel_env(), (uintptr_t)user, sizeof(fl), true) ||
		    app_copy(user, &fl, sizeof(fl)))
			return -EFAULT;
		return 0;
	}
	if ((fl.type == F_RDLCK && mode == VFS_O_WRONLY) ||
	    (fl.type == F_WRLCK && mode == VFS_O_RDONLY))
		return -EBADF;
	return 0;
}

static long sys_fcntl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const int changeable = VFS_O_APPEND | LINUX_O_NONBLOCK;
	int fd = (int)args[0], cmd = (int)args[1];
	long arg = args[2], rc = 0;
	struct vfs_file *f;

	(void)env;
	files_lock();
	if (!(f = vfs_fd_get(fdtable, fd))) {
		fs_unlock();
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = dup_from(fd, arg, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		rc = fdtable->fds[fd].cloexec ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		fdtable->fds[fd].cloexec = (arg & FD_CLOEXEC) != 0;
		break;
	case F_GETFL:
		rc = f->flags & LX_F_GETFL_BITS;
		break;
	case F_SETFL:
		f->flags = (f->flags & ~changeable) | ((int)arg & changeable);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		rc = record_lock(f, cmd, (struct k_flock *)arg);
		break;
	case F_GETPIPE_SZ:
		rc = VFS_S_ISFIFO(f->vn->mode) ? PIPE_CAPACITY : -EBADF;
		break;
	case F_SETPIPE_SZ:
		/*
		 * A pipe's ring is PIPE_CAPACITY and stays so: a size up to it
		 * is granted as that (Linux answers the capacity set, at least
		 * arg), beyond it -EPERM, what Linux answers an unprivileged
		 * process over /proc/sys/fs/pipe-max-size.
		 */
		if (!VFS_S_ISFIFO(f->vn->mode))
			rc = -EBADF;
		else
			rc = (unsigned long)arg <= PIPE_CAPACITY ? PIPE_CAPACITY : -EPERM;
		break;
	default:
		rc = -EINVAL;
	}
	fs_unlock();
	return rc;
}

/*
 * The console is not a terminal: TIOCGWINSZ and the rest answer -ENOTTY
 * (so musl's stdout is fully buffered; its exit flushes it). FIONBIO sets
 * or clears O_NONBLOCK on any file, as fcntl does; FIONREAD (SIOCINQ)
 * answers for sockets (the bytes a read would return now), TIOCOUTQ
 * (SIOCOUTQ) for TCP and UDP sockets (bytes sent and not acknowledged).
 * The interface ioctls (SIOCGIFCONF, SIOCGIFINDEX...) on any socket:
 * sys_net_ifioctl.
 */
static long sys_ioctl(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	unsigned cmd = (unsigned)args[1];
	void *arg = (void *)args[2];
	struct vfs_file *f;
	struct socket *s;
	int32_t v = 0;
	long rc = 0;
	bool answers = cmd == LINUX_FIONREAD || cmd == LINUX_TIOCOUTQ; /* an int out */

	if (net_ifreq_cmd(cmd))
		return sys_net_ifioctl(env, (int)args[0], cmd, arg);
	if ((cmd == LINUX_FIONBIO || answers) &&
	    syscall_check_range(env, (uintptr_t)arg, sizeof(v), answers))
		return -EFAULT;
	if (cmd == LINUX_FIONBIO && app_copy(&v, arg, sizeof(v)))
		return -EFAULT;
	files_lock();
	if (!(f = vfs_fd_get(fdtable, (int)args[0]))) {
		rc = -EBADF;
	} else if (cmd == LINUX_FIONBIO) {
		f->flags = v ? f->flags | VFS_O_NONBLOCK : f->flags & ~VFS_O_NONBLOCK;
	} else if (answers && (s = socket_of_file(f)) &&
		   (cmd == LINUX_FIONREAD ? s->ops->nread : s->ops->nwrite)) {
		rc = cmd == LINUX_FIONREAD ? s->ops->nread(s) : s->ops->nwrite(s);
		v = (int32_t)(rc > INT32_MAX ? INT32_MAX : rc);
		rc = rc < 0 ? rc : 0;
	} else {
		rc = -ENOTTY;
	}
	fs_unlock();
	if (answers && rc == 0 && app_copy(arg, &v, sizeof(v)))
		rc = -EFAULT;
	return rc;
}

/* ---- names ---- */

/* The answer is built here and copied out with app_copy: the application's
 * buffer need not be aligned, and may vanish (-EFAULT). */
static long stat_at(int dirfd, const char *path, struct linux_stat *out, int flags)
{
	struct linux_stat st;
	struct vfs_file *f;
	const char *base;
	long rc;

	files_lock();
	if ((flags & LINUX_AT_EMPTY_PATH) && path[0] == '\0' && dirfd != LINUX_AT_FDCWD) {
		f = vfs_fd_get(fdtable, dirfd);
		rc = f ? vfs_fstat(f, &st) : -EBADF;
	} else if ((flags & LINUX_AT_EMPTY_PATH) && path[0] == '\0') {
		rc = vfs_stat(fs_vfs(), fs_app_cwd(), ".", &st);
	} else if (!(rc = sys_files_path_base(dirfd, path, &base))) {
		rc = vfs_stat(fs_vfs(), base, path, &st);
	}
	fs_unlock();
	if (rc == 0 && app_copy(out, &st, sizeof(st)))
		rc = -EFAULT;
	return rc;
}

static long sys_stat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return stat_at(LINUX_AT_FDCWD, (const char *)args[0], (struct linux_stat *)args[1], 0);
}

static long sys_newfstatat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return stat_at((int)args[0], (const char *)args[1], (struct linux_stat *)args[2], (int)args[3]);
}

static long sys_fstat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return stat_at((int)args[0], "", (struct linux_stat *)args[1], LINUX_AT_EMPTY_PATH);
}

/* statx: stat's fields in statx's layout; every basic field is known. */
static long sys_statx(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct linux_stat st;
	struct k_statx sx;
	long rc;

	(void)env;
	rc = stat_at((int)args[0], (const char *)args[1], &st, (int)args[2]);
	if (rc)
		return rc;
	memset(&sx, 0, sizeof(sx));
	sx.mask = LINUX_STATX_BASIC_STATS;
	sx.blksize = (uint32_t)st.st_blksize;
	sx.nlink = (uint32_t)st.st_nlink;
	sx.mode = (uint16_t)st.st_mode;
	sx.ino = st.st_ino;
	sx.size = (uint64_t)st.st_size;
	sx.blocks = (uint64_t)st.st_blocks;
	sx.atime.sec = st.st_atime_sec;
	sx.ctime.sec = st.st_ctime_sec;
	sx.mtime.sec = st.st_mtime_sec;
	return app_copy((void *)args[4], &sx, sizeof(sx)) ? -EFAULT : 0;
}

static long sys_getdents64(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long rc;

	(void)env;
	files_lock();
	f = vfs_fd_get(fdtable, (int)args[0]);
	rc = f ? vfs_getdents64(f, (void *)args[1], (size_t)args[2]) : -EBADF;
	fs_unlock();
	return rc;
}

enum name_op { OP_MKDIR, OP_UNLINK, OP_RMDIR, OP_ACCESS, OP_READLINK };

/* The calls that act on one name. */
static long name_at(int dirfd, const char *path, enum name_op op, uint32_t mode)
{
	struct linux_stat st;
	const char *base;
	long rc;

	files_lock();
	if (!(rc = sys_files_path_base(dirfd, path, &base))) {
		switch (op) {
		case OP_MKDIR:
			rc = vfs_mkdir(fs_vfs(), base, path, mode & 07777 & ~creation_mask);
			break;
		case OP_UNLINK:
			rc = vfs_unlink(fs_vfs(), base, path);
			break;
		case OP_RMDIR:
			rc = vfs_rmdir(fs_vfs(), base, path);
			break;
		case OP_ACCESS:
			/* Root may read and write anything, but execute only
			 * a file with an execute bit (Linux's rule for root). */
			rc = vfs_stat(fs_vfs(), base, path, &st);
			if (rc == 0 && (mode & LINUX_X_OK) && VFS_S_ISREG(st.st_mode) &&
			    !(st.st_mode & 0111))
				rc = -EACCES;
			break;
		case OP_READLINK:
			rc = vfs_stat(fs_vfs(), base, path, &st);
			rc = rc ? rc : -EINVAL; /* it exists, and is no symbolic link */
			break;
		}
	}
	fs_unlock();
	return rc;
}

static long sys_mkdir(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at(LINUX_AT_FDCWD, (const char *)args[0], OP_MKDIR, (uint32_t)args[1]);
}

static long sys_mkdirat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at((int)args[0], (const char *)args[1], OP_MKDIR, (uint32_t)args[2]);
}

static long sys_unlink(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at(LINUX_AT_FDCWD, (const char *)args[0], OP_UNLINK, 0);
}

static long sys_rmdir(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at(LINUX_AT_FDCWD, (const char *)args[0], OP_RMDIR, 0);
}

static long sys_unlinkat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at((int)args[0], (const char *)args[1],
		       (args[2] & LINUX_AT_REMOVEDIR) ? OP_RMDIR : OP_UNLINK, 0);
}

static long sys_access(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at(LINUX_AT_FDCWD, (const char *)args[0], OP_ACCESS, (uint32_t)args[1]);
}

static long sys_faccessat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return name_at((int)args[0], (const char *)args[1], OP_ACCESS, (uint32_t)args[2]);
}

/*
 * readlink, readlinkat: there are no symbolic links, so anything that
 * exists is -EINVAL (not a link), but /proc/self/exe (and
 * /proc/thread-self/exe) names the application's own file, as programs
 * read it to find themselves: its path, cut at bufsiz, no NUL, as Linux.
 * A bufsiz of 0 or less is -EINVAL first.
 */
static long readlink_at(int dirfd, const char *path, char *buf, long size)
{
	const char *exe = fs_app_exe();
	size_t n = strlen(exe);

	if (size <= 0)
		return -EINVAL;
	if (n && (strcmp(path, "/proc/self/exe") == 0 || strcmp(path, "/proc/thread-self/exe") == 0)) {
		n = n < (size_t)size ? n : (size_t)size;
		memcpy(buf, exe, n);
		return (long)n;
	}
	return name_at(dirfd, path, OP_READLINK, 0);
}

static long sys_readlink(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return readlink_at(LINUX_AT_FDCWD, (const char *)args[0], (char *)args[1], args[2]);
}

static long sys_readlinkat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return readlink_at((int)args[0], (const char *)args[1], (char *)args[2], args[3]);
}

static long rename_at(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	const char *obase, *nbase;
	long rc;

	files_lock();
	if (!(rc = sys_files_path_base(olddirfd, oldpath, &obase)) &&
	    !(rc = sys_files_path_base(newdirfd, newpath, &nbase)))
		rc = vfs_rename(fs_vfs(), fs_app_cwd(), oldpath, newpath);
	fs_unlock();
	return rc;
}

static long sys_rename(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rename_at(LINUX_AT_FDCWD, (const char *)args[0], LINUX_AT_FDCWD, (const char *)args[1]);
}

static long sys_renameat(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	(void)env;
	return rename_at((int)args[0], (const char *)args[1], (int)args[2], (const char *)args[3]);
}

/* ---- the working directory ---- */

static long sys_getcwd(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	size_t len;
	long rc;

	(void)env;
	files_lock();
	len = strlen(fs_app_cwd()) + 1;
	if ((size_t)args[1] < len) {
		rc = -ERANGE;
	} else {
		rc = app_copy((void *)args[0], fs_app_cwd(), len) ? -EFAULT : (long)len;
	}
	fs_unlock();
	return rc;
}

static long sys_chdir(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	const char *path = (const char *)args[0];
	long rc;

	(void)env;
	files_lock();
	rc = fs_app_chdir(path);
	fs_unlock();
	return rc;
}

/* Copies len bytes from offset off of f into dst (past the end of file, dst keeps its bytes). */
static int copy_from(struct vfs_file *f, uint64_t off, void *dst, size_t len)
{
	for (size_t done = 0; done < len;) {
		int64_t n = vfs_pread(f, (char *)dst + done, len - done, (int64_t)(off + done));

		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return 0;
}

/*
 * For mmap of a file: copies len bytes from offset off of fd's file into
 * dst (past the end of file, dst is left as it is: zero). The file must be
 * a regular file open for reading. With hold, *hold gets a reference to
 * the file (sys_files_copy_held reads it again, sys_files_put_unlocked
 * drops it), as a mapping keeps its file on Linux after the descriptor is
 * closed.
 */
int sys_files_copy(int fd, uint64_t off, void *dst, size_t len, struct vfs_file **hold)
{
	struct vfs_file *f;
	int rc = 0;

	files_lock();
	if (!(f = vfs_fd_get(fdtable, fd)))
		rc = -EBADF;
	else if (!VFS_S_ISREG(f->vn->mode))
		rc = -ENODEV;
	else if ((f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		rc = -EACCES;
	if (!rc)
		rc = copy_from(f, off, dst, len);
	if (!rc && hold) {
		vfs_file_get(f);
		*hold = f;
	}
	fs_unlock();
	return rc;
}

int sys_files_copy_held(struct vfs_file *f, uint64_t off, void *dst, size_t len)
{
	int rc;

	files_lock();
	rc = copy_from(f, off, dst, len);
	fs_unlock();
	return rc;
}

void sys_files_put_unlocked(struct vfs_file *f)
{
	if (vfs_file_drop(f)) { /* the last reference: released under the lock */
		fs_lock();
		vfs_file_release(f);
		fs_unlock();
	}
}

/* fchdir: to the path the directory had when it was opened. */
static long sys_fchdir(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	struct vfs_file *f;
	long rc;

	(void)env;
	files_lock();
	f = vfs_fd_get(fdtable, (int)args[0]);
	rc = !f ? -EBADF : !f->dir_path ? -ENOTDIR : fs_app_chdir(f->dir_path);
	fs_unlock();
	return rc;
}

/* umask: the new mask (its permission bits); the old one. Cannot fail. */
static long sys_umask(const struct syscall_env *env, const long args[SYSCALL_MAX_ARGS])
{
	long old;

	(void)env;
	files_lock();
	old = creation_mask;
	creation_mask = (uint32_t)args[0] & 0777;
	fs_unlock();
	return old;
}

void sys_files_nofile(uint64_t *cur, uint64_t *max)
{
	files_lock();
	*cur = (uint64_t)fdtable->limit;
	*max = (uint64_t)fdtable->limit_max;
	fs_unlock();
}

int sys_files_set_nofile(uint64_t cur, uint64_t max)
{
	int rc;

	files_lock();
	rc = vfs_fdtable_set_limit(fdtable, cur, max);
	fs_unlock();
	return rc;
}

void sys_files_register(syscall_handler_fn *table)
{
	table[NR_UMASK] = sys_umask;
	table[NR_READ] = sys_read;
	table[NR_WRITE] = sys_write;
	table[NR_OPEN] = sys_open;
	table[NR_CLOSE] = sys_close;
	table[NR_STAT] = sys_stat;
	table[NR_FSTAT] = sys_fstat;
	table[NR_LSTAT] = sys_stat; /* no symbolic links: lstat is stat */
	table[NR_LSEEK] = sys_lseek;
	table[NR_IOCTL] = sys_ioctl;
	table[NR_PREAD64] = sys_pread64;
	table[NR_PWRITE64] = sys_pwrite64;
	table[NR_READV] = sys_readv;
	table[NR_WRITEV] = sys_writev;
	table[NR_ACCESS] = sys_access;
	table[NR_DUP] = sys_dup;
	table[NR_DUP2] = sys_dup2;
	table[NR_FCNTL] = sys_fcntl;
	table[NR_FTRUNCATE] = sys_ftruncate;
	table[NR_GETCWD] = sys_getcwd;
	table[NR_CHDIR] = sys_chdir;
	table[NR_FCHDIR] = sys_fchdir;
	table[NR_RENAME] = sys_rename;
	table[NR_MKDIR] = sys_mkdir;
	table[NR_RMDIR] = sys_rmdir;
	table[NR_UNLINK] = sys_unlink;
	table[NR_READLINK] = sys_readlink;
	table[NR_READLINKAT] = sys_readlinkat;
	table[NR_MEMFD_CREATE] = sys_memfd_create;
	table[NR_GETDENTS64] = sys_getdents64;
	table[NR_OPENAT] = sys_openat;
	table[NR_MKDIRAT] = sys_mkdirat;
	table[NR_NEWFSTATAT] = sys_newfstatat;
	table[NR_UNLINKAT] = sys_unlinkat;
	table[NR_RENAMEAT] = sys_renameat;
	table[NR_FACCESSAT] = sys_faccessat;
	table[NR_FACCESSAT2] = sys_faccessat; /* the flags change nothing for root */
	table[NR_DUP3] = sys_dup3;
	table[NR_PREADV] = sys_preadv;
	table[NR_PWRITEV] = sys_pwritev;
	table[NR_STATX] = sys_statx;
	table[NR_SENDFILE] = sys_sendfile;
	table[NR_COPY_FILE_RANGE] = sys_copy_file_range;
}

/* For sys_poll.c: the descriptor table, under fs_lock. */
struct vfs_fdtable *sys_files_lock(void)
{
	files_lock();
	return fdtable;
}

/*
 * Two new files (pipe2's ends, socketpair's sockets) into t, their numbers
 * copied to ufds (checked by the table); our references go to the table.
 * If the numbers cannot be delivered both are closed again (-EFAULT): the
 * application could never know them.
 */
long sys_files_install_pair(struct vfs_fdtable *t, struct vfs_file *pair[2], bool cloexec,
			    void *ufds)
{
	int32_t fds[2];
	long rc;

	rc = fds[0] = (int32_t)fs_app_fd_install(t, pair[0], cloexec);
	if (rc < 0) {
		vfs_file_put(pair[1]);
	} else if ((rc = fds[1] = (int32_t)fs_app_fd_install(t, pair[1], cloexec)) < 0) {
		vfs_fd_close(t, fds[0]);
	} else if (app_copy(ufds, fds, sizeof(fds))) {
		vfs_fd_close(t, fds[0]);
		vfs_fd_close(t, fds[1]);
		rc = -EFAULT;
	}
	return rc < 0 ? rc : 0;
}
