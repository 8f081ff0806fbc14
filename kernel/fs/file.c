/*
 * Open files: reference counts, reads and writes at the file offset,
 * lseek, fstat, poll, and getdents64, which reports "." and ".." itself and then
 * the filesystem's entries by index; the file offset is the next index.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/epoll.h>
#include <carapace/vfs.h>

/* Linux's cap on one read or write (MAX_RW_COUNT): offsets never overflow. */
#define VFS_RW_MAX 0x7ffff000u
#define VFS_BLKSIZE 4096

/* A new open file on vn (pipes and eventfds, which no path names). */
int vfs_file_new(struct vfs *vfs, struct vnode *vn, int flags,
		 struct vfs_file **out)
{
	struct vfs_file *f = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*f));

	if (f == NULL)
		return -ENOMEM;
	memset(f, 0, sizeof(*f));
	f->vfs = vfs;
	f->vn = vn;
	f->flags = flags;
	f->refs = 1;
	vn->refs++;
	*out = f;
	return 0;
}

/* Pipes (S_IFIFO), sockets (S_IFSOCK), and eventfds, epoll and timerfds
 * (no file type, as Linux's anonymous inodes). */
bool vfs_file_is_stream(const struct vfs_file *f)
{
	uint32_t type = f->vn->mode & VFS_S_IFMT;

	return type == VFS_S_IFIFO || type == VFS_S_IFSOCK || type == 0;
}

/* fstat of a pipe or an eventfd: size 0, one link, as on Linux. */
int vfs_stream_getattr(struct vnode *vn, struct vfs_attr *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = vn->mode;
	out->nlink = 1;
	out->ino = vn->ino;
	return 0;
}

unsigned vfs_poll(struct vfs_file *f)
{
	return f->vn->ops->poll ? f->vn->ops->poll(f->vn) : VFS_POLL_ALWAYS;
}

void vfs_notify_changed(struct vfs *vfs)
{
	if (vfs->notify.changed != NULL)
		vfs->notify.changed(vfs->notify.ctx);
}

void vfs_notify_slots(struct vfs *vfs, uint64_t wake_slots)
{
	if (vfs->notify.slots_changed != NULL)
		vfs->notify.slots_changed(vfs->notify.ctx, wake_slots);
	else
		vfs_notify_changed(vfs);
}

/*
 * The fence orders the change before the read of the slots, as epoll's
 * setting of a slot bit comes before its scan: either the notifier sees
 * the bit, or the scan sees the change.
 */
void vfs_notify_vnode(struct vfs *vfs, struct vnode *vn)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vfs_notify_slots(vfs, __atomic_load_n(&vn->wake_slots, __ATOMIC_SEQ_CST));
}

void vfs_poll_event(struct vfs *vfs, struct vnode *vn, unsigned bits)
{
	if (bits & VFS_POLL_IN_SIDE)
		vn->events_in++;
	if (bits & VFS_POLL_OUT_SIDE)
		vn->events_out++;
	vfs_notify_vnode(vfs, vn);
}

void vfs_file_get(struct vfs_file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

bool vfs_file_drop(struct vfs_file *f)
{
	return __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0;
}

void vfs_file_put(struct vfs_file *f)
{
	if (vfs_file_drop(f))
		vfs_file_release(f);
}

void vfs_file_release(struct vfs_file *f)
{
	struct vnode *vn = f->vn;

	if (f->epoll_watches > 0)
		epoll_forget_file(f); /* as Linux: an entry lives as long as its file */
	if (f->dir_path)
		f->vfs->alloc.free(f->vfs->alloc.ctx, f->dir_path);
	f->vfs->alloc.free(f->vfs->alloc.ctx, f);
	if (--vn->refs == 0 && vn->ops->release != NULL)
		vn->ops->release(vn);
}

void vfs_stat_fill(const struct vfs_attr *a, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_mode = a->mode;
	st->st_size = (int64_t)a->size;
	st->st_blksize = VFS_BLKSIZE;
	st->st_blocks = (int64_t)((a->size + 511) / 512);
	st->st_atime_sec = a->atime_sec ? a->atime_sec : a->mtime_sec;
	st->st_mtime_sec = a->mtime_sec;
	st->st_ctime_sec = a->ctime_sec ? a->ctime_sec : a->mtime_sec;
}

int vfs_fstat(struct vfs_file *f, struct linux_stat *st)
{
	struct vfs_attr a;
	int rc = f->vn->ops->getattr(f->vn, &a);

	if (rc == 0)
		vfs_stat_fill(&a, st);
	return rc;
}

/* The checks and the transfer of read and pread; off is ignored by streams. */
static int64_t file_read(struct vfs_file *f, void *buf, size_t n, int64_t off)
{
	if ((f->flags & VFS_O_ACCMODE) == VFS_O_WRONLY)
		return -EBADF;
	if (VFS_S_ISDIR(f->vn->mode))
		return -EISDIR;
	if (off < 0)
		return -EINVAL;
	if (f->vn->ops->read == NULL)
		return -EINVAL;
	if (n > VFS_RW_MAX)
		n = VFS_RW_MAX;
	return f->vn->ops->read(f->vn, buf, n, (uint64_t)off);
}

static int64_t file_write(struct vfs_file *f, const void *buf, size_t n,
			  int64_t off)
{
	if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		return -EBADF;
	if (off < 0)
		return -EINVAL;
	if (f->vn->ops->write == NULL)
		return -EROFS;
	if (n > VFS_RW_MAX)
		n = VFS_RW_MAX;
	if ((uint64_t)off > (uint64_t)INT64_MAX - n)
		return -EFBIG;
	return f->vn->ops->write(f->vn, buf, n, (uint64_t)off);
}

int64_t vfs_pread(struct vfs_file *f, void *buf, size_t n, int64_t off)
{
	return vfs_file_is_stream(f) ? -ESPIPE : file_read(f, buf, n, off);
}

int64_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t n, int64_t off)
{
	return vfs_file_is_stream(f) ? -ESPIPE : file_write(f, buf, n, off);
}

int64_t vfs_read(struct vfs_file *f, void *buf, size_t n)
{
	int64_t rc = file_read(f, buf, n, (int64_t)f->off);

	if (rc > 0 && !vfs_file_is_stream(f))
		f->off += (uint64_t)rc;
	return rc;
}

int64_t vfs_write(struct vfs_file *f, const void *buf, size_t n)
{
	if (f->flags & VFS_O_APPEND) {
		struct vfs_attr a;
		int rc = f->vn->ops->getattr(f->vn, &a);

		if (rc < 0)
			return rc;
		f->off = a.size;
	}
	int64_t rc = file_write(f, buf, n, (int64_t)f->off);

	if (rc > 0 && !vfs_file_is_stream(f))
		f->off += (uint64_t)rc;
	return rc;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence)
{
	int64_t base;
	struct vfs_attr a;

	if (vfs_file_is_stream(f))
		return -ESPIPE;
	switch (whence) {
	case VFS_SEEK_SET:
		base = 0;
		break;
	case VFS_SEEK_CUR:
		base = (int64_t)f->off;
		break;
	case VFS_SEEK_END: {
		int rc = f->vn->ops->getattr(f->vn, &a);

		if (rc < 0)
			return rc;
		base = (int64_t)a.size;
		break;
	}
	case VFS_SEEK_DATA:
	case VFS_SEEK_HOLE: {
		/* No file here has holes: data up to the size, then the hole
		 * every file has at its end (Linux's default for such a file). */
		int rc = f->vn->ops->getattr(f->vn, &a);

		if (rc < 0)
			return rc;
		if (!VFS_S_ISREG(a.mode))
			return -EINVAL;
		if (off < 0 || (uint64_t)off >= a.size)
			return -ENXIO;
		f->off = whence == VFS_SEEK_DATA ? (uint64_t)off : a.size;
		return (int64_t)f->off;
	}
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->off = (uint64_t)(base + off);
	return (int64_t)f->off;
}

int vfs_ftruncate(struct vfs_file *f, int64_t size)
{
	if (size < 0)
		return -EINVAL;
	if ((f->flags & VFS_O_ACCMODE) == VFS_O_RDONLY)
		return -EBADF;
	if (VFS_S_ISDIR(f->vn->mode))
		return -EISDIR;
	if (f->vn->ops->truncate == NULL)
		return -EROFS;
	return f->vn->ops->truncate(f->vn, (uint64_t)size);
}

static uint8_t dirent_type(uint32_t mode)
{
	switch (mode & VFS_S_IFMT) {
	case VFS_S_IFDIR:
		return VFS_DT_DIR;
	case VFS_S_IFREG:
		return VFS_DT_REG;
	case VFS_S_IFCHR:
		return VFS_DT_CHR;
	default:
		return 0; /* DT_UNKNOWN */
	}
}

/* Entry number index of dir, "." and ".." first (".." reports dir's own
 * inode number: the VFS does not keep parents). */
static int dir_entry(struct vnode *dir, uint64_t index, struct vfs_dirent *e)
{
	if (index < 2) {
		e->ino = dir->ino;
		e->mode = dir->mode;
		memcpy(e->name, "..", 3);
		e->name[index + 1] = '\0';
		return 0;
	}
	if (dir->ops->readdir == NULL)
		return -ENOENT;
	return dir->ops->readdir(dir, index - 2, e);
}

/*
 * Fill buf with linux_dirent64 records from the file offset on; returns
 * the bytes used, 0 at the end, -EINVAL if not even one record fits.
 */
int64_t vfs_getdents64(struct vfs_file *f, void *buf, size_t len)
{
	struct vfs_dirent e;
	struct linux_dirent64 hdr;
	char rec[(VFS_DIRENT64_HDR + VFS_NAME_MAX + 1 + 7) & ~7];
	size_t used = 0;

	if (!VFS_S_ISDIR(f->vn->mode))
		return -ENOTDIR;
	for (;;) {
		int rc = dir_entry(f->vn, f->off, &e);

		if (rc == -ENOENT)
			break;
		if (rc < 0)
			return used > 0 ? (int64_t)used : rc;
		size_t nlen = strnlen(e.name, VFS_NAME_MAX);
		size_t reclen = (VFS_DIRENT64_HDR + nlen + 1 + 7) & ~(size_t)7;

		if (reclen > len - used) {
			if (used == 0)
				return -EINVAL;
			break;
		}
		hdr.d_ino = e.ino;
		hdr.d_off = (int64_t)(f->off + 1);
		hdr.d_reclen = (uint16_t)reclen;
		hdr.d_type = dirent_type(e.mode);
		/* Built here, then copied out whole: buf may vanish meanwhile. */
		memcpy(rec, &hdr, VFS_DIRENT64_HDR);
		memcpy(rec + VFS_DIRENT64_HDR, e.name, nlen);
		memset(rec + VFS_DIRENT64_HDR + nlen, 0,
		       reclen - VFS_DIRENT64_HDR - nlen);
		if (app_copy((char *)buf + used, rec, reclen))
			return used > 0 ? (int64_t)used : -EFAULT;
		used += reclen;
		f->off++;
	}
	return (int64_t)used;
}
