/*
 * ramfs: a writable filesystem in memory. Directories are arrays of
 * (name, node); regular files are arrays of RAMFS_CHUNK-byte chunks, NULL
 * where a hole reads as zeros. Bytes of a chunk past the file's size are
 * always zero, so growing a file never shows old data.
 *
 * A node removed from the tree stays while a file has it open (vn.refs)
 * and is freed by the last close (release).
 *
 * Size limit: every byte the filesystem allocates (chunks, chunk arrays,
 * nodes, names) counts against max_bytes, and the check comes before the
 * allocation, so a full filesystem says -ENOSPC without asking for the
 * memory. A file may not grow past max_bytes either (-EFBIG, as Linux's
 * s_maxbytes): its chunk array grows with its highest offset, so a write
 * far out (2^39) would otherwise ask for a huge array at once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/vfs.h>

#define RAMFS_CHUNK    4096u
#define RAMFS_MAX_FILE (1ull << 40)

struct ramfs_node;

struct ramfs_entry {
	char *name;
	struct ramfs_node *node;
};

struct ramfs_node {
	struct vnode vn;          /* first: a vnode pointer is a node pointer */
	bool linked;              /* still in a directory (the root always) */
	struct ramfs_node *parent; /* directories only */
	struct ramfs_entry *ents; /* directories */
	size_t nents, cap;
	uint32_t subdirs;
	uint8_t **chunks;         /* regular files */
	size_t nchunks;
	uint64_t size;
	int64_t atime, mtime, ctime; /* seconds since the epoch (the fs's clock) */
};

struct ramfs {
	struct vfs_alloc alloc;
	uint64_t max_bytes;       /* 0: no limit */
	uint64_t used_bytes;
	uint64_t next_ino;
	struct ramfs_node *root;
	int64_t (*now_sec)(void); /* the wall clock; NULL: every time is 0 */
};

static const struct vnode_ops ramfs_ops;

static int64_t now(const struct ramfs *fs)
{
	return fs->now_sec ? fs->now_sec() : 0;
}

/* The node's contents changed (a write, a truncate, an entry added or
 * removed): its modification and change times are now. */
static void touch(const struct ramfs *fs, struct ramfs_node *n)
{
	n->mtime = n->ctime = now(fs);
}

/* The largest size a file of fs may have. */
static uint64_t max_file(const struct ramfs *fs)
{
	return fs->max_bytes != 0 && fs->max_bytes < RAMFS_MAX_FILE ? fs->max_bytes
								     : RAMFS_MAX_FILE;
}

static struct ramfs *fs_of(struct vnode *vn)
{
	return vn->fs;
}

static struct ramfs_node *node_of(struct vnode *vn)
{
	return (struct ramfs_node *)vn;
}

/* Memory counted against max_bytes. */
static void *fs_alloc(struct ramfs *fs, size_t n)
{
	void *p;

	if (fs->max_bytes != 0 && n > fs->max_bytes - fs->used_bytes)
		return NULL;
	p = fs->alloc.alloc(fs->alloc.ctx, n);
	if (p != NULL)
		fs->used_bytes += n;
	return p;
}

static void fs_free(struct ramfs *fs, void *p, size_t n)
{
	if (p == NULL)
		return;
	fs->used_bytes -= n;
	fs->alloc.free(fs->alloc.ctx, p);
}

static struct ramfs_node *node_new(struct ramfs *fs, uint32_t mode)
{
	struct ramfs_node *n = fs_alloc(fs, sizeof(*n));

	if (n == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->vn.ops = &ramfs_ops;
	n->vn.mode = mode;
	n->vn.ino = fs->next_ino++;
	n->vn.fs = fs;
	n->linked = true;
	n->atime = n->mtime = n->ctime = now(fs);
	return n;
}

static void node_free(struct ramfs *fs, struct ramfs_node *n)
{
	for (size_t i = 0; i < n->nchunks; i++)
		fs_free(fs, n->chunks[i], RAMFS_CHUNK);
	fs_free(fs, n->chunks, n->nchunks * sizeof(*n->chunks));
	fs_free(fs, n->ents, n->cap * sizeof(*n->ents));
	fs_free(fs, n, sizeof(*n));
}

/* Free n once it is out of the tree and no file has it open. */
static void node_maybe_free(struct ramfs *fs, struct ramfs_node *n)
{
	if (!n->linked && n->vn.refs == 0)
		node_free(fs, n);
}

static long dir_find(struct ramfs_node *dir, const char *name)
{
	for (size_t i = 0; i < dir->nents; i++)
		if (strcmp(dir->ents[i].name, name) == 0)
			return (long)i;
	return -1;
}

static int dir_add(struct ramfs *fs, struct ramfs_node *dir, const char *name,
		   struct ramfs_node *n)
{
	size_t len = strlen(name) + 1;
	char *copy;

	if (dir->nents == dir->cap) {
		size_t cap = dir->cap ? dir->cap * 2 : 8;
		struct ramfs_entry *e = fs_alloc(fs, cap * sizeof(*e));

		if (e == NULL)
			return -ENOSPC;
		if (dir->nents > 0)
			memcpy(e, dir->ents, dir->nents * sizeof(*e));
		fs_free(fs, dir->ents, dir->cap * sizeof(*e));
		dir->ents = e;
		dir->cap = cap;
	}
	copy = fs_alloc(fs, len);
	if (copy == NULL)
		return -ENOSPC;
	memcpy(copy, name, len);
	dir->ents[dir->nents].name = copy;
	dir->ents[dir->nents].node = n;
	dir->nents++;
	if (VFS_S_ISDIR(n->vn.mode)) {
		dir->subdirs++;
		n->parent = dir;
	}
	return 0;
}

/* Take entry i out of dir; the node is the caller's to unlink or move. */
static void dir_remove(struct ramfs *fs, struct ramfs_node *dir, size_t i)
{
	struct ramfs_node *n = dir->ents[i].node;

	fs_free(fs, dir->ents[i].name, strlen(dir->ents[i].name) + 1);
	memmove(dir->ents + i, dir->ents + i + 1,
		(dir->nents - i - 1) * sizeof(*dir->ents));
	dir->nents--;
	if (VFS_S_ISDIR(n->vn.mode))
		dir->subdirs--;
}

static void node_unlink(struct ramfs *fs, struct ramfs_node *n)
{
	n->linked = false;
	n->parent = NULL;
	node_maybe_free(fs, n);
}

static int ramfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct ramfs_node *d = node_of(dir);
	long i = dir_find(d, name);

	if (i < 0)
		return -ENOENT;
	*out = &d->ents[i].node->vn;
	return 0;
}

static int make_node(struct vnode *dir, const char *name, uint32_t mode,
		     struct vnode **out)
{
	struct ramfs *fs = fs_of(dir);
	struct ramfs_node *d = node_of(dir), *n;
	int rc;

	if (!d->linked)
		return -ENOENT;
	if (dir_find(d, name) >= 0)
		return -EEXIST;
	n = node_new(fs, mode);
	if (n == NULL)
		return -ENOSPC;
	rc = dir_add(fs, d, name, n);
	if (rc < 0) {
		node_free(fs, n);
		return rc;
	}
	touch(fs, d);
	if (out != NULL)
		*out = &n->vn;
	return 0;
}

static int ramfs_create_file(struct vnode *dir, const char *name,
			     uint32_t mode, struct vnode **out)
{
	return make_node(dir, name, mode, out);
}

static int ramfs_mkdir(struct vnode *dir, const char *name, uint32_t mode)
{
	return make_node(dir, name, mode, NULL);
}

/* unlink (want_dir false) and rmdir (true): take the entry out. */
static int remove_entry(struct vnode *dir, const char *name, bool want_dir)
{
	struct ramfs_node *d = node_of(dir), *n;
	long i = dir_find(d, name);

	if (i < 0)
		return -ENOENT;
	n = d->ents[i].node;
	if (VFS_S_ISDIR(n->vn.mode) != want_dir)
		return want_dir ? -ENOTDIR : -EISDIR;
	if (want_dir && n->nents > 0)
		return -ENOTEMPTY;
	dir_remove(fs_of(dir), d, (size_t)i);
	node_unlink(fs_of(dir), n);
	touch(fs_of(dir), d);
	return 0;
}

static int ramfs_unlink(struct vnode *dir, const char *name)
{
	return remove_entry(dir, name, false);
}

static int ramfs_rmdir(struct vnode *dir, const char *name)
{
	return remove_entry(dir, name, true);
}

/* What replacing target by src would break, as rename(2) reports it. */
static int rename_target_check(struct ramfs_node *src, struct ramfs_node *dst)
{
	if (VFS_S_ISDIR(src->vn.mode) && !VFS_S_ISDIR(dst->vn.mode))
		return -ENOTDIR;
	if (!VFS_S_ISDIR(src->vn.mode) && VFS_S_ISDIR(dst->vn.mode))
		return -EISDIR;
	if (VFS_S_ISDIR(dst->vn.mode) && dst->nents > 0)
		return -ENOTEMPTY;
	return 0;
}

/*
 * Every check and the one allocation (the new entry) come first, so the
 * rename either happens whole or not at all.
 */
static int ramfs_rename(struct vnode *odir, const char *oname,
			struct vnode *ndir, const char *nname)
{
	struct ramfs *fs = fs_of(odir);
	struct ramfs_node *od = node_of(odir), *nd = node_of(ndir);
	long oi = dir_find(od, oname), ni = dir_find(nd, nname);
	struct ramfs_node *src, *dst;
	int rc;

	if (oi < 0 || !nd->linked)
		return -ENOENT;
	src = od->ents[oi].node;
	for (struct ramfs_node *p = nd; p != NULL; p = p->parent)
		if (p == src)
			return -EINVAL;
	if (ni < 0) {
		rc = dir_add(fs, nd, nname, src);
		if (rc < 0)
			return rc;
		dir_remove(fs, od, (size_t)dir_find(od, oname));
		if (VFS_S_ISDIR(src->vn.mode))
			src->parent = nd;
		touch(fs, od);
		touch(fs, nd);
		return 0;
	}
	dst = nd->ents[ni].node;
	if (dst == src)
		return 0;
	rc = rename_target_check(src, dst);
	if (rc < 0)
		return rc;
	nd->ents[ni].node = src;
	if (VFS_S_ISDIR(src->vn.mode)) {
		nd->subdirs++;
		src->parent = nd;
	}
	if (VFS_S_ISDIR(dst->vn.mode))
		nd->subdirs--;
	dir_remove(fs, od, (size_t)oi);
	node_unlink(fs, dst);
	return 0;
}

/* The piece of [pos, pos + left) inside one chunk: its index, offset, length. */
static size_t chunk_span(uint64_t pos, size_t left, size_t *ci, size_t *co)
{
	size_t k;

	*ci = (size_t)(pos / RAMFS_CHUNK);
	*co = (size_t)(pos % RAMFS_CHUNK);
	k = RAMFS_CHUNK - *co;
	return k < left ? k : left;
}

static int64_t ramfs_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct ramfs_node *f = node_of(vn);
	size_t done = 0;

	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	while (done < n) {
		size_t ci, co, k = chunk_span(off + done, n - done, &ci, &co);

		if (ci < f->nchunks && f->chunks[ci] != NULL
			    ? app_copy((uint8_t *)buf + done, f->chunks[ci] + co, k)
			    : app_zero((uint8_t *)buf + done, k))
			return done > 0 ? (int64_t)done : -EFAULT; /* buf vanished */
		done += k;
	}
	return (int64_t)n;
}

/* Make room for chunk pointers up to (not including) chunk count. */
static int grow_chunk_array(struct ramfs *fs, struct ramfs_node *f, size_t count)
{
	uint8_t **a;
	size_t cap = f->nchunks ? f->nchunks : 4;

	if (count <= f->nchunks)
		return 0;
	while (cap < count)
		cap *= 2;
	a = fs_alloc(fs, cap * sizeof(*a));
	if (a == NULL)
		return -ENOSPC;
	memset(a, 0, cap * sizeof(*a));
	if (f->nchunks > 0)
		memcpy(a, f->chunks, f->nchunks * sizeof(*a));
	fs_free(fs, f->chunks, f->nchunks * sizeof(*a));
	f->chunks = a;
	f->nchunks = cap;
	return 0;
}

static int64_t ramfs_write(struct vnode *vn, const void *buf, size_t n,
			   uint64_t off)
{
	struct ramfs *fs = fs_of(vn);
	struct ramfs_node *f = node_of(vn);
	size_t done = 0;
	int rc;

	if (n == 0)
		return 0;
	/* Linux's rule: past the limit -EFBIG, across it a short write. */
	if (off >= max_file(fs))
		return -EFBIG;
	if (n > max_file(fs) - off)
		n = (size_t)(max_file(fs) - off);
	rc = grow_chunk_array(fs, f, (size_t)((off + n + RAMFS_CHUNK - 1) / RAMFS_CHUNK));
	if (rc < 0)
		return rc;
	while (done < n) {
		size_t ci, co, k = chunk_span(off + done, n - done, &ci, &co);

		if (f->chunks[ci] == NULL) {
			f->chunks[ci] = fs_alloc(fs, RAMFS_CHUNK);
			if (f->chunks[ci] == NULL)
				break;
			memset(f->chunks[ci], 0, RAMFS_CHUNK);
		}
		if (app_copy(f->chunks[ci] + co, (const uint8_t *)buf + done, k)) {
			if (done == 0)
				return -EFAULT; /* buf vanished; the chunk stays zero */
			break;
		}
		done += k;
	}
	if (done == 0)
		return -ENOSPC;
	if (off + done > f->size)
		f->size = off + done;
	touch(fs, f);
	return (int64_t)done;
}

static int ramfs_truncate(struct vnode *vn, uint64_t size)
{
	struct ramfs *fs = fs_of(vn);
	struct ramfs_node *f = node_of(vn);

	if (size > max_file(fs))
		return -EFBIG;
	if (size < f->size) {
		size_t keep = (size_t)((size + RAMFS_CHUNK - 1) / RAMFS_CHUNK);

		for (size_t i = keep; i < f->nchunks; i++) {
			fs_free(fs, f->chunks[i], RAMFS_CHUNK);
			f->chunks[i] = NULL;
		}
		/* Keep the tail of the last chunk zero. */
		if (size % RAMFS_CHUNK != 0 && keep - 1 < f->nchunks &&
		    f->chunks[keep - 1] != NULL)
			memset(f->chunks[keep - 1] + size % RAMFS_CHUNK, 0,
			       RAMFS_CHUNK - size % RAMFS_CHUNK);
	}
	f->size = size;
	touch(fs, f);
	return 0;
}

/* utimensat: each time given (VFS_TIME_OMIT leaves it); the change time is now. */
static int ramfs_set_times(struct vnode *vn, int64_t atime, int64_t mtime)
{
	struct ramfs_node *n = node_of(vn);

	if (atime != VFS_TIME_OMIT)
		n->atime = atime;
	if (mtime != VFS_TIME_OMIT)
		n->mtime = mtime;
	n->ctime = now(fs_of(vn));
	return 0;
}

static int ramfs_getattr(struct vnode *vn, struct vfs_attr *a)
{
	struct ramfs_node *n = node_of(vn);

	memset(a, 0, sizeof(*a));
	a->mode = vn->mode;
	a->ino = vn->ino;
	a->size = n->size;
	a->atime_sec = n->atime;
	a->mtime_sec = n->mtime;
	a->ctime_sec = n->ctime;
	if (VFS_S_ISDIR(vn->mode))
		a->nlink = n->linked ? 2 + n->subdirs : 0;
	else
		a->nlink = n->linked ? 1 : 0;
	return 0;
}

static int ramfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *e)
{
	struct ramfs_node *d = node_of(dir);
	struct ramfs_node *n;

	if (index >= d->nents)
		return -ENOENT;
	n = d->ents[index].node;
	e->ino = n->vn.ino;
	e->mode = n->vn.mode;
	memcpy(e->name, d->ents[index].name, strlen(d->ents[index].name) + 1);
	return 0;
}

static void ramfs_release(struct vnode *vn)
{
	node_maybe_free(fs_of(vn), node_of(vn));
}

static const struct vnode_ops ramfs_ops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create_file,
	.mkdir = ramfs_mkdir,
	.unlink = ramfs_unlink,
	.rmdir = ramfs_rmdir,
	.rename = ramfs_rename,
	.read = ramfs_read,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.getattr = ramfs_getattr,
	.set_times = ramfs_set_times,
	.readdir = ramfs_readdir,
	.release = ramfs_release,
};

void ramfs_set_clock(struct ramfs *fs, int64_t (*now_sec)(void))
{
	fs->now_sec = now_sec;
	fs->root->atime = fs->root->mtime = fs->root->ctime = now(fs);
}

int ramfs_new(const struct vfs_alloc *alloc, uint64_t max_bytes,
	      struct ramfs **out)
{
	struct ramfs *fs = alloc->alloc(alloc->ctx, sizeof(*fs));

	if (fs == NULL)
		return -ENOMEM;
	memset(fs, 0, sizeof(*fs));
	fs->alloc = *alloc;
	fs->max_bytes = max_bytes;
	fs->next_ino = 1;
	fs->root = node_new(fs, VFS_S_IFDIR | 0777);
	if (fs->root == NULL) {
		alloc->free(alloc->ctx, fs);
		return -ENOMEM;
	}
	*out = fs;
	return 0;
}

void ramfs_usage(const struct ramfs *fs, uint64_t *used, uint64_t *max)
{
	*used = fs->used_bytes;
	*max = fs->max_bytes;
}

struct vnode *ramfs_root(struct ramfs *fs)
{
	return &fs->root->vn;
}

/*
 * Free the whole tree, depth first without recursion (a deep tree must not
 * use up a kernel stack). No file may be open on it any more.
 */
void ramfs_destroy(struct ramfs *fs)
{
	struct ramfs_node *cur = fs->root;

	for (;;) {
		if (cur->nents > 0) {
			struct ramfs_node *child = cur->ents[cur->nents - 1].node;

			if (VFS_S_ISDIR(child->vn.mode) && child->nents > 0) {
				cur = child;
				continue;
			}
			dir_remove(fs, cur, cur->nents - 1);
			node_free(fs, child);
			continue;
		}
		if (cur == fs->root)
			break;
		cur = cur->parent;
	}
	node_free(fs, fs->root);
	fs->alloc.free(fs->alloc.ctx, fs);
}
