/*
 * The virtual filesystem: a mount table, path resolution, open files and
 * file-descriptor tables over filesystems that each supply a vnode
 * operations table (ramfs, bootfs, devfs).
 *
 * Portable: memory comes from a struct vfs_alloc. The VFS takes no locks;
 * its caller (the syscall layer) serialises calls on one struct vfs.
 * Every call returns a negative errno (Linux x86_64 values) on failure.
 */
#ifndef CARAPACE_VFS_H
#define CARAPACE_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFS_PATH_MAX  4096 /* bytes, with the NUL */
#define VFS_NAME_MAX  255  /* bytes of one component */
/* A descriptor table's slots: the most RLIMIT_NOFILE may be raised to (Linux's nr_open). */
#define VFS_FD_MAX    16384
#define VFS_MOUNT_MAX 16

/* open() flags: the Linux x86_64 values. */
#define VFS_O_ACCMODE   03
#define VFS_O_RDONLY    00
#define VFS_O_WRONLY    01
#define VFS_O_RDWR      02
#define VFS_O_CREAT     0100
#define VFS_O_EXCL      0200
#define VFS_O_TRUNC     01000
#define VFS_O_APPEND    02000
#define VFS_O_NONBLOCK  04000
#define VFS_O_DIRECTORY 0200000
#define VFS_O_CLOEXEC   02000000

/* File types in st_mode, and d_type values. */
#define VFS_S_IFMT  0170000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFCHR 0020000
#define VFS_S_IFREG 0100000
#define VFS_S_IFIFO 0010000
#define VFS_S_IFSOCK 0140000
#define VFS_S_ISSOCK(m) (((m) & VFS_S_IFMT) == VFS_S_IFSOCK)
#define VFS_S_ISDIR(m) (((m) & VFS_S_IFMT) == VFS_S_IFDIR)
#define VFS_S_ISREG(m) (((m) & VFS_S_IFMT) == VFS_S_IFREG)
#define VFS_S_ISFIFO(m) (((m) & VFS_S_IFMT) == VFS_S_IFIFO)
#define VFS_DT_CHR 2
#define VFS_DT_DIR 4
#define VFS_DT_REG 8

#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2
#define VFS_SEEK_DATA 3 /* a regular file is all data: the offset, if inside it */
#define VFS_SEEK_HOLE 4 /* and its one hole starts at its end */

/* poll() event bits: the Linux values. */
#define VFS_POLLIN     0x001
#define VFS_POLLPRI    0x002
#define VFS_POLLOUT    0x004
#define VFS_POLLERR    0x008
#define VFS_POLLHUP    0x010
#define VFS_POLLNVAL   0x020
#define VFS_POLLRDNORM 0x040
#define VFS_POLLWRNORM 0x100
#define VFS_POLLRDHUP  0x2000
/* The bits a reader waits for, and the ones a writer does (epoll's edges). */
#define VFS_POLL_IN_SIDE \
	(VFS_POLLIN | VFS_POLLRDNORM | VFS_POLLPRI | VFS_POLLRDHUP | VFS_POLLHUP | VFS_POLLERR)
#define VFS_POLL_OUT_SIDE (VFS_POLLOUT | VFS_POLLWRNORM | VFS_POLLERR | VFS_POLLHUP)
/* What a file that never waits reports (Linux's DEFAULT_POLLMASK). */
#define VFS_POLL_ALWAYS \
	(VFS_POLLIN | VFS_POLLOUT | VFS_POLLRDNORM | VFS_POLLWRNORM)

/* Where every filesystem and the VFS get memory: kmalloc/kfree in the
 * kernel, malloc/free in the host tests. */
struct vfs_alloc {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p);
	void *ctx;
};

struct vfs_attr {
	uint32_t mode;
	uint32_t nlink;
	uint64_t ino;
	uint64_t size;
	int64_t mtime_sec; /* 0 where the filesystem keeps no time */
	int64_t atime_sec, ctime_sec; /* 0: the same as mtime_sec */
};

/* set_times: a time the call leaves as it is. */
#define VFS_TIME_OMIT INT64_MIN

/* One directory entry, as a filesystem's readdir reports it. */
struct vfs_dirent {
	uint64_t ino;
	uint32_t mode;
	char name[VFS_NAME_MAX + 1];
};

struct vnode;

/*
 * A filesystem's operations. Names are single components, NUL-terminated,
 * never "", "." or "..": the VFS resolves those itself. lookup returns a
 * borrowed vnode (valid until the entry is removed). A NULL operation
 * means the filesystem does not support it (-EROFS for changes, -EINVAL
 * otherwise).
 */
struct vnode_ops {
	int (*lookup)(struct vnode *dir, const char *name, struct vnode **out);
	int (*create)(struct vnode *dir, const char *name, uint32_t mode,
		      struct vnode **out);
	int (*mkdir)(struct vnode *dir, const char *name, uint32_t mode);
	int (*unlink)(struct vnode *dir, const char *name);
	int (*rmdir)(struct vnode *dir, const char *name);
	int (*rename)(struct vnode *odir, const char *oname,
		      struct vnode *ndir, const char *nname);
	int64_t (*read)(struct vnode *vn, void *buf, size_t n, uint64_t off);
	int64_t (*write)(struct vnode *vn, const void *buf, size_t n,
			 uint64_t off);
	int (*truncate)(struct vnode *vn, uint64_t size);
	int (*getattr)(struct vnode *vn, struct vfs_attr *out);
	/* Access and modification times in seconds (VFS_TIME_OMIT: kept). */
	int (*set_times)(struct vnode *vn, int64_t atime, int64_t mtime);
	/* Entry number index (0, 1, ...; no "." or ".."); -ENOENT past the end. */
	int (*readdir)(struct vnode *dir, uint64_t index, struct vfs_dirent *out);
	/* The last open reference is gone (refs just fell to 0). */
	void (*release)(struct vnode *vn);
	/* VFS_POLL* bits that hold now; NULL: VFS_POLL_ALWAYS. */
	unsigned (*poll)(struct vnode *vn);
};

/* Embedded in each filesystem's node. refs counts open files. */
struct vnode {
	const struct vnode_ops *ops;
	uint32_t mode;  /* file type and permission bits */
	uint32_t refs;
	uint64_t ino;
	void *fs;       /* the filesystem instance, for its operations */
	/*
	 * Bumped on each event that may make a reader (in) or a writer (out)
	 * go on: data or a hang-up, room. epoll's edge-triggered entries
	 * report a ready bit only after its side's count moved.
	 */
	uint32_t events_in, events_out;
	/*
	 * Which of the kernel's wake slots an event on this vnode wakes: one
	 * bit per slot of an epoll that watches it (epoll.c sets them; a bit
	 * left after the entry is gone only costs a spurious wake-up).
	 * Written under the VFS lock, read without it by whoever notifies.
	 */
	uint64_t wake_slots;
};

struct vfs_mount {
	char *path;     /* normalised absolute path, "/" for the root */
	size_t len;
	struct vnode *root;
};

/*
 * Called after a pipe, an eventfd or a socket changed state (data, space,
 * an end closed), so that the kernel can wake whoever waits for it:
 * changed when any file may have changed, slots_changed when only files
 * with these wake slots did (a vnode's wake_slots; optional: changed is
 * called instead when it is NULL).
 */
struct vfs_notify {
	void (*changed)(void *ctx);
	void (*slots_changed)(void *ctx, uint64_t wake_slots);
	void *ctx;
};

struct vfs {
	struct vfs_alloc alloc;
	struct vfs_notify notify; /* optional: changed may be NULL */
	struct vfs_mount mounts[VFS_MOUNT_MAX];
	int nmounts;
};

/* An open file; shared by dup'ed descriptors. */
struct vfs_file {
	struct vfs *vfs;
	struct vnode *vn;
	uint64_t off;
	int flags;      /* the open() flags, O_CLOEXEC included */
	uint32_t refs;  /* atomic: vfs_file_get, vfs_file_drop */
	uint32_t epoll_watches; /* epoll entries on this file (epoll.c) */
	char *dir_path; /* a directory's absolute path at its open (openat's base), else NULL */
};

struct vfs_fd {
	struct vfs_file *file;
	bool cloexec;
};

struct vfs_fdtable {
	int limit;     /* descriptors at or above it are not handed out (RLIMIT_NOFILE's soft value) */
	int limit_max; /* the most limit may be raised to (its hard value) */
	int end;       /* one past the highest descriptor ever used: where scans stop */
	struct vfs_fd fds[VFS_FD_MAX];
};

/* Linux x86_64 struct stat, field for field. */
struct linux_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	int64_t st_atime_sec;
	int64_t st_atime_nsec;
	int64_t st_mtime_sec;
	int64_t st_mtime_nsec;
	int64_t st_ctime_sec;
	int64_t st_ctime_nsec;
	int64_t reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "x86_64 struct stat is 144 bytes");

/* Linux struct linux_dirent64: d_reclen is a multiple of 8. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
#define VFS_DIRENT64_HDR 19 /* bytes before d_name */

/* Mount table and namespace operations. cwd is an absolute path, used
 * when path is relative. */
void vfs_init(struct vfs *vfs, const struct vfs_alloc *alloc);
void vfs_destroy(struct vfs *vfs);
int vfs_mount(struct vfs *vfs, const char *path, struct vnode *root);
int vfs_open(struct vfs *vfs, const char *cwd, const char *path, int flags,
	     uint32_t mode, struct vfs_file **out);
int vfs_mkdir(struct vfs *vfs, const char *cwd, const char *path, uint32_t mode);
int vfs_unlink(struct vfs *vfs, const char *cwd, const char *path);
int vfs_rmdir(struct vfs *vfs, const char *cwd, const char *path);
int vfs_rename(struct vfs *vfs, const char *cwd, const char *oldpath,
	       const char *newpath);
int vfs_stat(struct vfs *vfs, const char *cwd, const char *path,
	     struct linux_stat *st);
int vfs_truncate(struct vfs *vfs, const char *cwd, const char *path,
		 uint64_t size);
int vfs_chmod(struct vfs *vfs, const char *cwd, const char *path, uint32_t mode);
int vfs_vnode_chmod(struct vnode *vn, uint32_t mode);
int vfs_vnode_set_times(struct vnode *vn, int64_t atime, int64_t mtime);
int vfs_set_times(struct vfs *vfs, const char *cwd, const char *path, int64_t atime,
		  int64_t mtime);

/* Open files. */
int vfs_file_new(struct vfs *vfs, struct vnode *vn, int flags,
		 struct vfs_file **out);
/*
 * A file's references are counted atomically, so that a call working on
 * a file without the VFS lock (a socket's send or receive, sys_net.c)
 * may drop its reference there: vfs_file_drop answers true when it was
 * the last, and then the caller, under the lock, calls vfs_file_release.
 * vfs_file_put is both, for a caller that holds the lock.
 */
void vfs_file_get(struct vfs_file *f);
void vfs_file_put(struct vfs_file *f);
bool vfs_file_drop(struct vfs_file *f);
void vfs_file_release(struct vfs_file *f);
int64_t vfs_read(struct vfs_file *f, void *buf, size_t n);
int64_t vfs_write(struct vfs_file *f, const void *buf, size_t n);
int64_t vfs_pread(struct vfs_file *f, void *buf, size_t n, int64_t off);
int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t n, int64_t off);
int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence);
int vfs_ftruncate(struct vfs_file *f, int64_t size);
int vfs_fstat(struct vfs_file *f, struct linux_stat *st);
int64_t vfs_getdents64(struct vfs_file *f, void *buf, size_t len);
void vfs_stat_fill(const struct vfs_attr *a, struct linux_stat *st);
unsigned vfs_poll(struct vfs_file *f);
/* A pipe or an eventfd: no offset (lseek, pread: -ESPIPE), and a read or
 * write that cannot go on now returns -EAGAIN for the caller to wait. */
bool vfs_file_is_stream(const struct vfs_file *f);
int vfs_stream_getattr(struct vnode *vn, struct vfs_attr *out);
void vfs_notify_changed(struct vfs *vfs);
/*
 * Only vn changed: wakes its own waiters (and those of every file, poll's).
 * Call it after the change: vn's wake slots are read after a full fence.
 * vfs_notify_slots: the same with slots read before (a notifier that may
 * not touch the vnode later, as lwIP's events under their socket's lock).
 */
void vfs_notify_vnode(struct vfs *vfs, struct vnode *vn);
void vfs_notify_slots(struct vfs *vfs, uint64_t wake_slots);
/* An event on vn (VFS_POLL_IN_SIDE and/or VFS_POLL_OUT_SIDE bits):
 * counts it for epoll's edges, then vfs_notify_changed. */
void vfs_poll_event(struct vfs *vfs, struct vnode *vn, unsigned bits);

/* File-descriptor tables. Installing takes a reference on the file. A new
 * table's limits are VFS_FD_MAX. */
void vfs_fdtable_init(struct vfs_fdtable *t);
/* RLIMIT_NOFILE: 0 <= limit <= limit_max <= VFS_FD_MAX, else -EINVAL
 * (limit above limit_max) or -EPERM (limit_max above VFS_FD_MAX). Open
 * descriptors at or above a lowered limit stay open, as on Linux. */
int vfs_fdtable_set_limit(struct vfs_fdtable *t, uint64_t limit, uint64_t limit_max);
int vfs_fd_install(struct vfs_fdtable *t, struct vfs_file *f, bool cloexec);
struct vfs_file *vfs_fd_get(struct vfs_fdtable *t, int fd);
int vfs_fd_close(struct vfs_fdtable *t, int fd);
int vfs_fd_dup(struct vfs_fdtable *t, int fd);
int vfs_fd_dup3(struct vfs_fdtable *t, int oldfd, int newfd, int flags,
		bool is_dup2);
void vfs_fdtable_close_all(struct vfs_fdtable *t);
void vfs_fdtable_close_on_exec(struct vfs_fdtable *t);

/*
 * Pipes (pipe.c): a ring of PIPE_CAPACITY bytes between a read end (opened
 * O_RDONLY) and a write end (O_WRONLY); flags may hold VFS_O_NONBLOCK.
 * Reads and writes never block: -EAGAIN when they would.
 */
#define PIPE_CAPACITY 65536
#define PIPE_ATOMIC   4096 /* PIPE_BUF: writes up to this are never split */
int pipe_new(struct vfs *vfs, int flags, struct vfs_file **read_end,
	     struct vfs_file **write_end);

/* eventfd (eventfd.c): a 64-bit counter read and written 8 bytes at a time. */
#define EVENTFD_SEMAPHORE 1 /* EFD_SEMAPHORE */
int eventfd_new(struct vfs *vfs, uint64_t initval, int flags,
		struct vfs_file **out);

/* The filesystems. Each returns its root vnode for vfs_mount. */
struct ramfs;
/*
 * max_bytes bounds everything the filesystem allocates (0: no bound, for
 * tests); a file may not grow past it either (-EFBIG; else 2^40 bytes).
 */
int ramfs_new(const struct vfs_alloc *alloc, uint64_t max_bytes,
	      struct ramfs **out);
struct vnode *ramfs_root(struct ramfs *fs);
/* Bytes counted against the limit, and the limit (0: none). */
void ramfs_usage(const struct ramfs *fs, uint64_t *used, uint64_t *max);
void ramfs_destroy(struct ramfs *fs);
/* The wall clock (seconds) that stamps the times of ramfs's nodes. */
void ramfs_set_clock(struct ramfs *fs, int64_t (*now_sec)(void));

struct bootfs;
int bootfs_mount(const void *image, size_t size, const struct vfs_alloc *alloc,
		 struct bootfs **out, const char **why);
struct vnode *bootfs_root(struct bootfs *fs);
void bootfs_destroy(struct bootfs *fs);

/* Bootfs image layout (little-endian; see kernel/fs/README.md). */
#define BOOTFS_MAGIC   0x53464243u /* "CBFS" */
#define BOOTFS_VERSION 1u
#define BOOTFS_HDR_SIZE   32
#define BOOTFS_ENTRY_SIZE 32
#define BOOTFS_ALIGN      16

struct devfs_hooks {
	void (*random)(void *ctx, void *buf, size_t n);
	int64_t (*console_write)(void *ctx, const void *buf, size_t n);
	int64_t (*console_read)(void *ctx, void *buf, size_t n);
	void *ctx;
};
#define DEVFS_NODES 6 /* the root and five devices */
struct devfs {
	struct devfs_hooks hooks;
	struct vnode nodes[DEVFS_NODES];
};
void devfs_init(struct devfs *d, const struct devfs_hooks *hooks);
struct vnode *devfs_root(struct devfs *d);

#endif
