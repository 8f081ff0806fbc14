/*
 * The VFS namespace: the mount table and path resolution, and the calls
 * that take a path (open, mkdir, unlink, rmdir, rename, stat, truncate).
 *
 * Resolution walks component by component from "/", keeping the
 * normalised path so far: at each step a mount point whose path equals it
 * wins over the directory below, so the deepest (longest) mount applies.
 * ".." drops the last component and walks the shorter path again, after
 * checking that what it leaves is a directory, as Linux does.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/vfs.h>

/* Where a path led. */
struct walk {
	char *path;           /* normalised absolute path, VFS_PATH_MAX bytes */
	size_t len;
	struct vnode *dir;    /* directory holding the last component */
	struct vnode *vn;     /* the last component; NULL if it does not exist */
	const char *name;     /* last component inside path ("" for "/") */
	bool trailing_slash;
	int last_dot;         /* the path's last component: 1 ".", 2 ".." */
};

void vfs_init(struct vfs *vfs, const struct vfs_alloc *alloc)
{
	memset(vfs, 0, sizeof(*vfs));
	vfs->alloc = *alloc;
}

void vfs_destroy(struct vfs *vfs)
{
	for (int i = 0; i < vfs->nmounts; i++)
		vfs->alloc.free(vfs->alloc.ctx, vfs->mounts[i].path);
	vfs->nmounts = 0;
}

static struct vnode *mount_at(struct vfs *vfs, const char *path, size_t len)
{
	for (int i = 0; i < vfs->nmounts; i++)
		if (vfs->mounts[i].len == len &&
		    memcmp(vfs->mounts[i].path, path, len) == 0)
			return vfs->mounts[i].root;
	return NULL;
}

static bool is_mount_root(struct vfs *vfs, struct vnode *vn)
{
	for (int i = 0; i < vfs->nmounts; i++)
		if (vfs->mounts[i].root == vn)
			return true;
	return false;
}

/* Move from cur into the component path[start, len). */
static int descend(struct vfs *vfs, struct vnode *cur, const char *path,
		   size_t start, size_t len, struct vnode **out)
{
	struct vnode *m = mount_at(vfs, path, len);

	if (!VFS_S_ISDIR(cur->mode))
		return -ENOTDIR;
	if (m != NULL) {
		*out = m;
		return 0;
	}
	if (cur->ops->lookup == NULL)
		return -ENOENT;
	/* path[len] is a NUL or the '/' of a longer path: copy the name. */
	char name[VFS_NAME_MAX + 1];

	memcpy(name, path + start, len - start);
	name[len - start] = '\0';
	return cur->ops->lookup(cur, name, out);
}

/* Walk w->path[0, w->len), already normalised, from the root mount. */
static int walk_again(struct vfs *vfs, struct walk *w)
{
	struct vnode *cur = mount_at(vfs, "/", 1);
	size_t i = 1;

	if (cur == NULL)
		return -ENOENT;
	w->dir = cur;
	while (i < w->len) {
		size_t end = i;

		while (end < w->len && w->path[end] != '/')
			end++;
		w->dir = cur;
		int rc = descend(vfs, cur, w->path, i, end, &cur);

		if (rc < 0)
			return rc;
		i = end + 1;
	}
	w->vn = cur;
	return 0;
}

/*
 * Take one component of the input. A missing directory is an error only
 * if more components follow it (more says whether they do).
 */
static int step(struct vfs *vfs, struct walk *w, const char *c, size_t n,
		bool more)
{
	if (n > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (n == 1 && c[0] == '.')
		return w->vn == NULL ? -ENOENT :
		       VFS_S_ISDIR(w->vn->mode) ? 0 : -ENOTDIR;
	if (w->vn == NULL)
		return -ENOENT;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		if (!VFS_S_ISDIR(w->vn->mode))
			return -ENOTDIR;
		while (w->len > 1 && w->path[w->len - 1] != '/')
			w->len--;
		if (w->len > 1)
			w->len--;
		w->path[w->len] = '\0';
		return walk_again(vfs, w);
	}
	size_t start = w->len == 1 ? 1 : w->len + 1;

	if (start + n + 1 > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (start > 1)
		w->path[w->len] = '/';
	memcpy(w->path + start, c, n);
	w->len = start + n;
	w->path[w->len] = '\0';
	w->dir = w->vn;
	int rc = descend(vfs, w->dir, w->path, start, w->len, &w->vn);

	if (rc == -ENOENT && !more) {
		w->vn = NULL;
		return 0;
	}
	return rc;
}

/* Feed every component of s to step; last says s ends the input. */
static int walk_string(struct vfs *vfs, struct walk *w, const char *s,
		       bool last)
{
	while (*s != '\0') {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		const char *e = s;

		while (*e != '\0' && *e != '/')
			e++;
		const char *rest = e;

		while (*rest == '/')
			rest++;
		bool more = !last || *rest != '\0';
		int rc = step(vfs, w, s, (size_t)(e - s), more);

		if (rc < 0)
			return rc;
		if (!more && s[0] == '.' && e - s <= 2 && s[e - s - 1] == '.')
			w->last_dot = (int)(e - s);
		s = e;
	}
	return 0;
}

static void walk_done(struct vfs *vfs, struct walk *w)
{
	vfs->alloc.free(vfs->alloc.ctx, w->path);
	w->path = NULL;
}

/* Resolve path (relative to cwd unless absolute) into w; on success the
 * caller owns w->path and releases it with walk_done. */
static int resolve(struct vfs *vfs, const char *cwd, const char *path,
		   struct walk *w)
{
	size_t plen = strnlen(path, VFS_PATH_MAX);
	int rc;

	memset(w, 0, sizeof(*w));
	if (plen == 0)
		return -ENOENT;
	if (plen == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (path[0] != '/' && (cwd == NULL || cwd[0] != '/'))
		return -EINVAL;
	w->path = vfs->alloc.alloc(vfs->alloc.ctx, VFS_PATH_MAX);
	if (w->path == NULL)
		return -ENOMEM;
	w->path[0] = '/';
	w->path[1] = '\0';
	w->len = 1;
	rc = walk_again(vfs, w);
	if (rc == 0 && path[0] != '/') {
		if (strnlen(cwd, VFS_PATH_MAX) == VFS_PATH_MAX)
			rc = -ENAMETOOLONG;
		else
			rc = walk_string(vfs, w, cwd, false);
		if (rc == 0 && w->vn == NULL)
			rc = -ENOENT;
	}
	if (rc == 0)
		rc = walk_string(vfs, w, path, true);
	if (rc < 0) {
		walk_done(vfs, w);
		return rc;
	}
	w->name = w->path + w->len;
	while (w->name > w->path + 1 && w->name[-1] != '/')
		w->name--;
	w->trailing_slash = path[plen - 1] == '/';
	if (w->trailing_slash && w->vn != NULL && !VFS_S_ISDIR(w->vn->mode)) {
		walk_done(vfs, w);
		return -ENOTDIR;
	}
	return 0;
}

int vfs_mount(struct vfs *vfs, const char *path, struct vnode *root)
{
	struct vfs_mount *m;
	size_t len = strnlen(path, VFS_PATH_MAX);

	if (len == 0 || path[0] != '/' || root == NULL ||
	    !VFS_S_ISDIR(root->mode))
		return -EINVAL;
	if (len == VFS_PATH_MAX)
		return -ENAMETOOLONG;
	/* Mount points are given normalised: no "//", ".", ".." or final '/'. */
	for (size_t i = 0; i < len; i++) {
		if (path[i] != '/')
			continue;
		if ((i + 1 == len && len > 1) || path[i + 1] == '/')
			return -EINVAL;
		if (path[i + 1] == '.' && (path[i + 2] == '/' || path[i + 2] == '\0' ||
		    (path[i + 2] == '.' && (path[i + 3] == '/' || path[i + 3] == '\0'))))
			return -EINVAL;
	}
	if (mount_at(vfs, path, len) != NULL)
		return -EBUSY;
	if (vfs->nmounts == VFS_MOUNT_MAX)
		return -ENOSPC;
	m = &vfs->mounts[vfs->nmounts];
	m->path = vfs->alloc.alloc(vfs->alloc.ctx, len + 1);
	if (m->path == NULL)
		return -ENOMEM;
	memcpy(m->path, path, len + 1);
	m->len = len;
	m->root = root;
	vfs->nmounts++;
	return 0;
}

static int open_existing(struct vnode *vn, int flags, bool trailing)
{
	int acc = flags & VFS_O_ACCMODE;

	if ((flags & VFS_O_CREAT) && (flags & VFS_O_EXCL))
		return -EEXIST;
	if (VFS_S_ISDIR(vn->mode)) {
		if (acc != VFS_O_RDONLY || (flags & VFS_O_CREAT))
			return -EISDIR;
		return 0;
	}
	if ((flags & VFS_O_DIRECTORY) || trailing)
		return -ENOTDIR;
	if (acc != VFS_O_RDONLY && vn->ops->write == NULL)
		return -EROFS;
	if ((flags & VFS_O_TRUNC) && VFS_S_ISREG(vn->mode)) {
		if (vn->ops->truncate == NULL)
			return -EROFS;
		return vn->ops->truncate(vn, 0);
	}
	return 0;
}

int vfs_open(struct vfs *vfs, const char *cwd, const char *path, int flags,
	     uint32_t mode, struct vfs_file **out)
{
	struct walk w;
	struct vfs_file *f;
	char *dir_path;
	int rc;

	if ((flags & VFS_O_ACCMODE) == 3)
		return -EINVAL;
	f = vfs->alloc.alloc(vfs->alloc.ctx, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	rc = resolve(vfs, cwd, path, &w);
	if (rc < 0) {
		vfs->alloc.free(vfs->alloc.ctx, f);
		return rc;
	}
	if (w.vn == NULL) {
		if (!(flags & VFS_O_CREAT))
			rc = -ENOENT;
		else if (w.trailing_slash || (flags & VFS_O_DIRECTORY))
			rc = -EISDIR;
		else if (w.dir->ops->create == NULL)
			rc = -EROFS;
		else
			rc = w.dir->ops->create(w.dir, w.name,
						VFS_S_IFREG | (mode & 07777), &w.vn);
	} else {
		rc = open_existing(w.vn, flags, w.trailing_slash);
	}
	/* A directory keeps its path: the *at() calls and fchdir start there
	 * (a rename of it later is not seen). */
	dir_path = NULL;
	if (rc == 0 && VFS_S_ISDIR(w.vn->mode)) {
		if ((dir_path = vfs->alloc.alloc(vfs->alloc.ctx, w.len + 1)))
			memcpy(dir_path, w.path, w.len + 1);
		else
			rc = -ENOMEM;
	}
	walk_done(vfs, &w);
	if (rc < 0) {
		vfs->alloc.free(vfs->alloc.ctx, f);
		return rc;
	}
	memset(f, 0, sizeof(*f));
	f->dir_path = dir_path;
	f->vfs = vfs;
	f->vn = w.vn;
	f->flags = flags;
	f->refs = 1;
	w.vn->refs++;
	*out = f;
	return 0;
}

/* Resolve path, then act on where it led; the walk is released after. */
typedef int (*path_action)(struct vfs *vfs, struct walk *w, uint64_t arg);

static int on_path(struct vfs *vfs, const char *cwd, const char *path,
		   path_action act, uint64_t arg)
{
	struct walk w;
	int rc = resolve(vfs, cwd, path, &w);

	if (rc < 0)
		return rc;
	rc = act(vfs, &w, arg);
	walk_done(vfs, &w);
	return rc;
}

static int do_mkdir(struct vfs *vfs, struct walk *w, uint64_t mode)
{
	(void)vfs;
	if (w->vn != NULL)
		return -EEXIST;
	if (w->dir->ops->mkdir == NULL)
		return -EROFS;
	return w->dir->ops->mkdir(w->dir, w->name,
				  VFS_S_IFDIR | ((uint32_t)mode & 07777));
}

int vfs_mkdir(struct vfs *vfs, const char *cwd, const char *path, uint32_t mode)
{
	return on_path(vfs, cwd, path, do_mkdir, mode);
}

static int do_unlink(struct vfs *vfs, struct walk *w, uint64_t unused)
{
	(void)vfs;
	(void)unused;
	if (w->vn == NULL)
		return -ENOENT;
	if (VFS_S_ISDIR(w->vn->mode))
		return -EISDIR;
	if (w->dir->ops->unlink == NULL)
		return -EROFS;
	return w->dir->ops->unlink(w->dir, w->name);
}

int vfs_unlink(struct vfs *vfs, const char *cwd, const char *path)
{
	return on_path(vfs, cwd, path, do_unlink, 0);
}

static int do_rmdir(struct vfs *vfs, struct walk *w, uint64_t unused)
{
	(void)unused;
	if (w->vn == NULL)
		return -ENOENT;
	if (w->last_dot)
		return w->last_dot == 1 ? -EINVAL : -ENOTEMPTY;
	if (!VFS_S_ISDIR(w->vn->mode))
		return -ENOTDIR;
	if (is_mount_root(vfs, w->vn))
		return -EBUSY;
	if (w->dir->ops->rmdir == NULL)
		return -EROFS;
	return w->dir->ops->rmdir(w->dir, w->name);
}

int vfs_rmdir(struct vfs *vfs, const char *cwd, const char *path)
{
	return on_path(vfs, cwd, path, do_rmdir, 0);
}

/* Checks of rename that need both walks; 1 means "nothing to do". */
static int rename_check(struct vfs *vfs, struct walk *o, struct walk *n)
{
	if (o->vn == NULL)
		return -ENOENT;
	if (o->last_dot || n->last_dot)
		return -EINVAL;
	if (is_mount_root(vfs, o->vn) ||
	    (n->vn != NULL && is_mount_root(vfs, n->vn)))
		return -EBUSY;
	if (o->dir->fs != n->dir->fs || o->dir->ops != n->dir->ops)
		return -EXDEV;
	if (n->trailing_slash && !VFS_S_ISDIR(o->vn->mode))
		return -ENOTDIR;
	if (o->len == n->len && memcmp(o->path, n->path, o->len) == 0)
		return 1;
	if (n->len > o->len && memcmp(o->path, n->path, o->len) == 0 &&
	    n->path[o->len] == '/')
		return -EINVAL;
	if (o->dir->ops->rename == NULL)
		return -EROFS;
	return 0;
}

int vfs_rename(struct vfs *vfs, const char *cwd, const char *oldpath,
	       const char *newpath)
{
	struct walk o, n;
	int rc = resolve(vfs, cwd, oldpath, &o);

	if (rc < 0)
		return rc;
	rc = resolve(vfs, cwd, newpath, &n);
	if (rc < 0) {
		walk_done(vfs, &o);
		return rc;
	}
	rc = rename_check(vfs, &o, &n);
	if (rc == 0)
		rc = o.dir->ops->rename(o.dir, o.name, n.dir, n.name);
	walk_done(vfs, &n);
	walk_done(vfs, &o);
	return rc < 0 ? rc : 0;
}

static int do_stat(struct vfs *vfs, struct walk *w, uint64_t st)
{
	struct vfs_attr a;
	int rc;

	(void)vfs;
	if (w->vn == NULL)
		return -ENOENT;
	rc = w->vn->ops->getattr(w->vn, &a);
	if (rc == 0)
		vfs_stat_fill(&a, (struct linux_stat *)(uintptr_t)st);
	return rc;
}

int vfs_stat(struct vfs *vfs, const char *cwd, const char *path,
	     struct linux_stat *st)
{
	return on_path(vfs, cwd, path, do_stat, (uint64_t)(uintptr_t)st);
}

static int do_truncate(struct vfs *vfs, struct walk *w, uint64_t size)
{
	(void)vfs;
	if (w->vn == NULL)
		return -ENOENT;
	if (VFS_S_ISDIR(w->vn->mode))
		return -EISDIR;
	if (w->vn->ops->truncate == NULL)
		return -EROFS;
	return w->vn->ops->truncate(w->vn, size);
}

/*
 * chmod, fchmod: the permission bits (07777) of a node whose filesystem
 * makes nodes (ramfs); any other is read-only here (-EROFS). Nothing
 * checks them against a user: the process is root.
 */
int vfs_vnode_chmod(struct vnode *vn, uint32_t mode)
{
	if (vn->ops->create == NULL)
		return -EROFS;
	vn->mode = (vn->mode & VFS_S_IFMT) | (mode & 07777);
	return 0;
}

/* utimensat: a filesystem that keeps no times is read-only here (-EROFS). */
int vfs_vnode_set_times(struct vnode *vn, int64_t atime, int64_t mtime)
{
	if (vn->ops->set_times == NULL)
		return -EROFS;
	return vn->ops->set_times(vn, atime, mtime);
}

struct times_arg {
	int64_t atime, mtime;
};

static int do_set_times(struct vfs *vfs, struct walk *w, uint64_t arg)
{
	const struct times_arg *t = (const struct times_arg *)(uintptr_t)arg;

	(void)vfs;
	return w->vn ? vfs_vnode_set_times(w->vn, t->atime, t->mtime) : -ENOENT;
}

int vfs_set_times(struct vfs *vfs, const char *cwd, const char *path, int64_t atime,
		  int64_t mtime)
{
	struct times_arg t = { atime, mtime };

	return on_path(vfs, cwd, path, do_set_times, (uint64_t)(uintptr_t)&t);
}

static int do_chmod(struct vfs *vfs, struct walk *w, uint64_t mode)
{
	(void)vfs;
	return w->vn ? vfs_vnode_chmod(w->vn, (uint32_t)mode) : -ENOENT;
}

int vfs_chmod(struct vfs *vfs, const char *cwd, const char *path, uint32_t mode)
{
	return on_path(vfs, cwd, path, do_chmod, mode);
}

int vfs_truncate(struct vfs *vfs, const char *cwd, const char *path,
		 uint64_t size)
{
	return on_path(vfs, cwd, path, do_truncate, size);
}
