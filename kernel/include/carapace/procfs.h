/*
 * procfs: a small read-only filesystem whose files are made by generator
 * functions (kernel/fs/procfs.c; mounted at /proc by kernel/fs/mount.c).
 * The table says which paths exist; directories are implied by the paths.
 */
#ifndef CARAPACE_PROCFS_H
#define CARAPACE_PROCFS_H

#include <stddef.h>

#include <carapace/vfs.h>

/*
 * Writes the file's text as snprintf does (at most len-1 characters and a
 * NUL) and returns the length the whole text has, or a negative errno.
 */
typedef int (*procfs_generate_fn)(char *buf, size_t len);

struct procfs_entry {
	const char *path; /* relative to the mount: "net/classifier" */
	procfs_generate_fn generate;
};

/* A file's text is cut at this many bytes (/proc/cpuinfo takes about 700 a CPU). */
#define PROCFS_FILE_MAX 16384
/* Files and directories together, the root included. */
#define PROCFS_NODES 32
#define PROCFS_NAME_MAX 32

struct procfs_node {
	struct vnode vn;
	char name[PROCFS_NAME_MAX];
	int parent; /* index of the directory node; -1 for the root */
	procfs_generate_fn generate; /* NULL for a directory */
};

struct procfs {
	const struct vfs_alloc *alloc;
	struct vnode *lower; /* a directory under the root: its names first */
	int count;
	struct procfs_node nodes[PROCFS_NODES];
};

/*
 * Builds the tree from n entries. 0; -EINVAL for an empty or absolute
 * path, an empty or over-long component, a path given twice or used both
 * as a file and a directory; -ENOSPC past PROCFS_NODES nodes.
 */
int procfs_init(struct procfs *p, const struct procfs_entry *entries, size_t n,
		const struct vfs_alloc *alloc);
struct vnode *procfs_root(struct procfs *p);
/*
 * Lays the root over the directory lower (another filesystem's): a name
 * lower has is lower's, the table's other files are the procfs's, and
 * readdir lists both (/etc: the boot filesystem's files and the
 * generated ones). lower must stay until the procfs goes.
 */
void procfs_set_lower(struct procfs *p, struct vnode *lower);

#endif
