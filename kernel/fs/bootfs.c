/*
 * bootfs: a read-only filesystem over an image in memory (the boot
 * module), made by scripts/mkbootfs. The image is untrusted: bootfs_mount
 * checks all of it (header, every entry, every name, every data range, no
 * duplicates) and builds the whole tree before anything can use it, so a
 * mounted bootfs reads only inside the image. Layout: kernel/fs/README.md.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/vfs.h>

struct bootfs_node {
	struct vnode vn;          /* first: a vnode pointer is a node pointer */
	const char *name;         /* inside the image, not NUL-terminated */
	size_t namelen;
	struct bootfs_node *child, *last_child, *next;
	const uint8_t *data;
	uint64_t size;
	bool explicit_entry;      /* named by an entry, not only implied */
};

struct bootfs {
	struct vfs_alloc alloc;
	struct bootfs_node *nodes; /* nodes[0] is the root */
	size_t nnodes;
};

/* One decoded table entry. */
struct bootfs_entry {
	const char *path;
	uint32_t mode;
	uint64_t data_off;
	uint64_t size;
};

static const struct vnode_ops bootfs_ops;

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* A path as images carry it: "/a/b", components of 1..NAME_MAX bytes,
 * none "." or "..". Returns its number of components, 0 if bad. */
static size_t path_components(const char *p, size_t len)
{
	size_t n = 0, i = 0;

	if (len < 2 || len >= VFS_PATH_MAX || p[0] != '/')
		return 0;
	while (i < len) {
		size_t s = ++i;

		while (i < len && p[i] != '/')
			i++;
		if (i == s || i - s > VFS_NAME_MAX)
			return 0;
		if (p[s] == '.' && (i - s == 1 || (i - s == 2 && p[s + 1] == '.')))
			return 0;
		n++;
	}
	return n;
}

/* Decode and check entry i; adds its components to *ncomp. */
static const char *check_entry(const uint8_t *img, uint64_t table_end,
			       uint64_t image_size, uint32_t count, uint32_t i,
			       struct bootfs_entry *e, size_t *ncomp)
{
	const uint8_t *p = img + BOOTFS_HDR_SIZE + (size_t)i * BOOTFS_ENTRY_SIZE;
	uint64_t strings = BOOTFS_HDR_SIZE + (uint64_t)count * BOOTFS_ENTRY_SIZE;
	uint32_t name_off = get32(p);
	size_t len, n;

	e->mode = get32(p + 4);
	e->data_off = get64(p + 8);
	e->size = get64(p + 16);
	if (get64(p + 24) != 0)
		return "entry reserved field not zero";
	if (name_off < strings || name_off >= table_end)
		return "entry name outside the string table";
	e->path = (const char *)img + name_off;
	len = strnlen(e->path, (size_t)(table_end - name_off));
	if (len == table_end - name_off)
		return "entry name not NUL-terminated inside the table";
	n = path_components(e->path, len);
	if (n == 0)
		return "entry path not absolute and normalised";
	*ncomp += n;
	if ((e->mode & ~(uint32_t)(VFS_S_IFMT | 07777)) != 0)
		return "entry mode has unknown bits";
	if (VFS_S_ISDIR(e->mode))
		return e->size == 0 && e->data_off == 0 ? NULL :
		       "directory entry with data";
	if (!VFS_S_ISREG(e->mode))
		return "entry neither file nor directory";
	if (e->data_off % BOOTFS_ALIGN != 0)
		return "file data not 16-byte aligned";
	if (e->data_off < table_end || e->data_off > image_size ||
	    e->size > image_size - e->data_off)
		return "file data outside the image";
	return NULL;
}

static struct bootfs_node *find_child(struct bootfs_node *dir, const char *name,
				      size_t len)
{
	for (struct bootfs_node *c = dir->child; c != NULL; c = c->next)
		if (c->namelen == len && memcmp(c->name, name, len) == 0)
			return c;
	return NULL;
}

static struct bootfs_node *add_node(struct bootfs *fs, struct bootfs_node *dir,
				    const char *name, size_t len)
{
	struct bootfs_node *n = &fs->nodes[fs->nnodes];

	n->vn.ops = &bootfs_ops;
	n->vn.mode = VFS_S_IFDIR | 0755;
	n->vn.ino = ++fs->nnodes;
	n->vn.fs = fs;
	n->name = name;
	n->namelen = len;
	if (dir->last_child != NULL)
		dir->last_child->next = n;
	else
		dir->child = n;
	dir->last_child = n;
	return n;
}

/* Put one checked entry into the tree, creating implied directories. */
static const char *insert_entry(struct bootfs *fs, const uint8_t *img,
				const struct bootfs_entry *e)
{
	struct bootfs_node *cur = &fs->nodes[0];
	const char *p = e->path;

	while (*p == '/') {
		const char *s = ++p;

		while (*p != '\0' && *p != '/')
			p++;
		struct bootfs_node *n = find_child(cur, s, (size_t)(p - s));

		if (n != NULL && *p == '/' && !VFS_S_ISDIR(n->vn.mode))
			return "a file is also used as a directory";
		if (n == NULL)
			n = add_node(fs, cur, s, (size_t)(p - s));
		cur = n;
	}
	if (cur->explicit_entry)
		return "duplicate path";
	if (cur->child != NULL && !VFS_S_ISDIR(e->mode))
		return "a file is also used as a directory";
	cur->explicit_entry = true;
	cur->vn.mode = e->mode;
	if (VFS_S_ISREG(e->mode)) {
		cur->data = img + e->data_off;
		cur->size = e->size;
	}
	return NULL;
}

static const char *check_header(const uint8_t *img, size_t size,
				uint32_t *count, uint64_t *table_end,
				uint64_t *image_size)
{
	if (img == NULL || size < BOOTFS_HDR_SIZE)
		return "image shorter than its header";
	if (get32(img) != BOOTFS_MAGIC)
		return "bad magic";
	if (get32(img + 4) != BOOTFS_VERSION)
		return "unknown version";
	*count = get32(img + 8);
	*table_end = get32(img + 12);
	*image_size = get64(img + 16);
	if (get64(img + 24) != 0)
		return "header reserved field not zero";
	if (*image_size > size || *image_size < BOOTFS_HDR_SIZE)
		return "image size does not match the module";
	if (*table_end > *image_size ||
	    *table_end < BOOTFS_HDR_SIZE + (uint64_t)*count * BOOTFS_ENTRY_SIZE)
		return "entry table outside the image";
	return NULL;
}

static void fail(const char **why, const char *msg)
{
	if (why != NULL)
		*why = msg;
}

int bootfs_mount(const void *image, size_t size, const struct vfs_alloc *alloc,
		 struct bootfs **out, const char **why)
{
	const uint8_t *img = image;
	uint32_t count;
	uint64_t table_end, image_size;
	size_t ncomp = 1; /* the root */
	struct bootfs_entry e;
	struct bootfs *fs;
	const char *msg = check_header(img, size, &count, &table_end, &image_size);

	/* First every entry on its own, before any memory is taken. */
	for (uint32_t i = 0; msg == NULL && i < count; i++)
		msg = check_entry(img, table_end, image_size, count, i, &e, &ncomp);
	if (msg != NULL) {
		fail(why, msg);
		return -EINVAL;
	}
	fs = alloc->alloc(alloc->ctx, sizeof(*fs));
	if (fs == NULL || ncomp > SIZE_MAX / sizeof(struct bootfs_node)) {
		if (fs != NULL)
			alloc->free(alloc->ctx, fs);
		fail(why, "out of memory");
		return -ENOMEM;
	}
	memset(fs, 0, sizeof(*fs));
	fs->alloc = *alloc;
	fs->nodes = alloc->alloc(alloc->ctx, ncomp * sizeof(struct bootfs_node));
	if (fs->nodes == NULL) {
		alloc->free(alloc->ctx, fs);
		fail(why, "out of memory");
		return -ENOMEM;
	}
	memset(fs->nodes, 0, ncomp * sizeof(struct bootfs_node));
	fs->nodes[0].vn.ops = &bootfs_ops;
	fs->nodes[0].vn.mode = VFS_S_IFDIR | 0755;
	fs->nodes[0].vn.ino = fs->nnodes = 1;
	fs->nodes[0].vn.fs = fs;
	fs->nodes[0].explicit_entry = true;
	/* Then the tree, which finds duplicates and file/directory clashes. */
	for (uint32_t i = 0; msg == NULL && i < count; i++) {
		check_entry(img, table_end, image_size, count, i, &e, &ncomp);
		msg = insert_entry(fs, img, &e);
	}
	if (msg != NULL) {
		bootfs_destroy(fs);
		fail(why, msg);
		return -EINVAL;
	}
	*out = fs;
	return 0;
}

struct vnode *bootfs_root(struct bootfs *fs)
{
	return &fs->nodes[0].vn;
}

void bootfs_destroy(struct bootfs *fs)
{
	fs->alloc.free(fs->alloc.ctx, fs->nodes);
	fs->alloc.free(fs->alloc.ctx, fs);
}

static struct bootfs_node *node_of(struct vnode *vn)
{
	return (struct bootfs_node *)vn;
}

static int bootfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct bootfs_node *n = find_child(node_of(dir), name, strlen(name));

	if (n == NULL)
		return -ENOENT;
	*out = &n->vn;
	return 0;
}

static int64_t bootfs_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct bootfs_node *f = node_of(vn);

	if (off >= f->size)
		return 0;
	if (n > f->size - off)
		n = (size_t)(f->size - off);
	if (app_copy(buf, f->data + off, n))
		return -EFAULT;
	return (int64_t)n;
}

static int bootfs_getattr(struct vnode *vn, struct vfs_attr *a)
{
	struct bootfs_node *n = node_of(vn);

	memset(a, 0, sizeof(*a));
	a->mode = vn->mode;
	a->ino = vn->ino;
	a->size = n->size;
	a->nlink = VFS_S_ISDIR(vn->mode) ? 2 : 1;
	return 0;
}

static int bootfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *e)
{
	struct bootfs_node *c = node_of(dir)->child;

	for (; c != NULL && index > 0; index--)
		c = c->next;
	if (c == NULL)
		return -ENOENT;
	e->ino = c->vn.ino;
	e->mode = c->vn.mode;
	memcpy(e->name, c->name, c->namelen);
	e->name[c->namelen] = '\0';
	return 0;
}

/* No create, mkdir, unlink, rmdir, rename, write or truncate: the VFS
 * answers -EROFS for them. */
static const struct vnode_ops bootfs_ops = {
	.lookup = bootfs_lookup,
	.read = bootfs_read,
	.getattr = bootfs_getattr,
	.readdir = bootfs_readdir,
};
