/*
 * procfs: read-only files whose text a generator function makes at each
 * read (carapace/procfs.h). The tree is a fixed array of nodes built from
 * the table once, so a lookup or a read allocates nothing but the read's
 * text buffer. Sizes are reported as 0, as Linux's /proc does: the text
 * exists only while it is read.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/procfs.h>

static struct procfs *procfs_of(struct vnode *vn)
{
	return vn->fs;
}

static struct procfs_node *node_of(struct vnode *vn)
{
	return (struct procfs_node *)vn; /* vn is the node's first member */
}

static int node_index(struct vnode *vn)
{
	return (int)(node_of(vn) - procfs_of(vn)->nodes);
}

static int find_child(const struct procfs *p, int parent, const char *name, size_t len)
{
	for (int i = 1; i < p->count; i++) {
		if (p->nodes[i].parent == parent && strlen(p->nodes[i].name) == len &&
		    memcmp(p->nodes[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

static int procfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	struct procfs *p = procfs_of(dir);
	int i;

	/* The lower directory's files win: an application's own /etc/hosts. */
	if (node_index(dir) == 0 && p->lower && p->lower->ops->lookup &&
	    p->lower->ops->lookup(p->lower, name, out) == 0)
		return 0;
	i = find_child(p, node_index(dir), name, strlen(name));
	if (i < 0)
		return -ENOENT;
	*out = &p->nodes[i].vn;
	return 0;
}

/*
 * The whole text is made again at every read and the part from off is
 * copied out: a reader that takes the file in one read of PROCFS_FILE_MAX
 * bytes sees one consistent snapshot.
 */
static int64_t procfs_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	struct procfs *p = procfs_of(vn);
	struct procfs_node *node = node_of(vn);
	char *text;
	int len;
	int64_t ret;

	if (node->generate == NULL)
		return -EISDIR;
	if (off >= PROCFS_FILE_MAX || n == 0)
		return 0;
	text = p->alloc->alloc(p->alloc->ctx, PROCFS_FILE_MAX);
	if (text == NULL)
		return -ENOMEM;
	len = node->generate(text, PROCFS_FILE_MAX);
	if (len < 0) {
		ret = len;
	} else {
		size_t have = (size_t)len < PROCFS_FILE_MAX ? (size_t)len : PROCFS_FILE_MAX - 1;
		size_t k = off < have ? have - off : 0;

		if (k > n)
			k = n;
		ret = k && app_copy(buf, text + off, k) ? -EFAULT : (int64_t)k;
	}
	p->alloc->free(p->alloc->ctx, text);
	return ret;
}

static int procfs_getattr(struct vnode *vn, struct vfs_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->mode = vn->mode;
	a->ino = vn->ino;
	a->nlink = node_of(vn)->generate ? 1 : 2;
	return 0;
}

/* Whether the lower directory has name (it then hides the table's). */
static bool lower_has(struct procfs *p, const char *name)
{
	struct vnode *vn;

	return p->lower && p->lower->ops->lookup && p->lower->ops->lookup(p->lower, name, &vn) == 0;
}

static int procfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *e)
{
	struct procfs *p = procfs_of(dir);
	int parent = node_index(dir);

	/* Under the root: the lower directory's entries, then the table's. */
	if (parent == 0 && p->lower && p->lower->ops->readdir) {
		uint64_t n = 0;

		if (p->lower->ops->readdir(p->lower, index, e) == 0)
			return 0;
		while (n < index && p->lower->ops->readdir(p->lower, n, e) == 0)
			n++;
		index -= n;
	}
	for (int i = 1; i < p->count; i++) {
		if (p->nodes[i].parent != parent || (parent == 0 && lower_has(p, p->nodes[i].name)))
			continue;
		if (index-- == 0) {
			e->ino = p->nodes[i].vn.ino;
			e->mode = p->nodes[i].vn.mode;
			memcpy(e->name, p->nodes[i].name, strlen(p->nodes[i].name) + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* No write or truncate: the VFS answers -EROFS for NULL operations. */
static const struct vnode_ops procfs_ops = {
	.lookup = procfs_lookup,
	.read = procfs_read,
	.getattr = procfs_getattr,
	.readdir = procfs_readdir,
};

static int add_node(struct procfs *p, int parent, const char *name, size_t len,
		    procfs_generate_fn generate)
{
	struct procfs_node *node;

	if (p->count >= PROCFS_NODES)
		return -ENOSPC;
	node = &p->nodes[p->count];
	memcpy(node->name, name, len);
	node->name[len] = '\0';
	node->parent = parent;
	node->generate = generate;
	node->vn.ops = &procfs_ops;
	node->vn.mode = generate ? VFS_S_IFREG | 0444 : VFS_S_IFDIR | 0555;
	node->vn.ino = (uint64_t)p->count + 1;
	node->vn.fs = p;
	return p->count++;
}

/* Adds one entry's directories (where missing) and its file. */
static int add_entry(struct procfs *p, const struct procfs_entry *e)
{
	const char *at = e->path;
	int dir = 0;

	if (at == NULL || *at == '\0' || *at == '/' || e->generate == NULL)
		return -EINVAL;
	for (;;) {
		const char *slash = strchr(at, '/');
		size_t len = slash ? (size_t)(slash - at) : strlen(at);
		int i;

		if (len == 0 || len >= PROCFS_NAME_MAX ||
		    (len == 1 && at[0] == '.') || (len == 2 && at[0] == '.' && at[1] == '.'))
			return -EINVAL;
		i = find_child(p, dir, at, len);
		if (slash == NULL) /* the file itself: new, never seen before */
			return i >= 0 ? -EINVAL : add_node(p, dir, at, len, e->generate);
		if (i >= 0 && p->nodes[i].generate != NULL)
			return -EINVAL; /* a file used as a directory */
		if (i < 0 && (i = add_node(p, dir, at, len, NULL)) < 0)
			return i;
		dir = i;
		at = slash + 1;
	}
}

int procfs_init(struct procfs *p, const struct procfs_entry *entries, size_t n,
		const struct vfs_alloc *alloc)
{
	memset(p, 0, sizeof(*p));
	p->alloc = alloc;
	add_node(p, -1, "", 0, NULL);
	for (size_t i = 0; i < n; i++) {
		int rc = add_entry(p, &entries[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}

struct vnode *procfs_root(struct procfs *p)
{
	return &p->nodes[0].vn;
}

void procfs_set_lower(struct procfs *p, struct vnode *lower)
{
	p->lower = lower;
}
