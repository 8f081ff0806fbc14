/*
 * devfs: a fixed directory of character devices. null and zero need
 * nothing; urandom and random take bytes from the kernel's random hook;
 * console reads and writes through the console hooks. No memory is
 * allocated: the nodes live in struct devfs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_copy.h>
#include <carapace/vfs.h>

enum { DEV_ROOT, DEV_NULL, DEV_ZERO, DEV_URANDOM, DEV_RANDOM, DEV_CONSOLE };

static const char *const dev_names[DEVFS_NODES] = {
	"", "null", "zero", "urandom", "random", "console",
};

static struct devfs *devfs_of(struct vnode *vn)
{
	return vn->fs;
}

static int dev_index(struct vnode *vn)
{
	return (int)(vn - devfs_of(vn)->nodes);
}

static int devfs_lookup(struct vnode *dir, const char *name, struct vnode **out)
{
	for (int i = 1; i < DEVFS_NODES; i++) {
		if (strcmp(dev_names[i], name) == 0) {
			*out = &devfs_of(dir)->nodes[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* Random bytes made here, then copied out: buf may vanish meanwhile. */
static int64_t random_to(const struct devfs_hooks *h, void *buf, size_t n)
{
	uint8_t chunk[256];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);

		h->random(h->ctx, chunk, k);
		if (app_copy((uint8_t *)buf + done, chunk, k))
			return done > 0 ? (int64_t)done : -EFAULT;
		done += k;
	}
	return (int64_t)n;
}

static int64_t devfs_read(struct vnode *vn, void *buf, size_t n, uint64_t off)
{
	const struct devfs_hooks *h = &devfs_of(vn)->hooks;

	(void)off;
	switch (dev_index(vn)) {
	case DEV_ZERO:
		return app_zero(buf, n) ? -EFAULT : (int64_t)n;
	case DEV_URANDOM:
	case DEV_RANDOM:
		if (h->random == NULL)
			return -EIO;
		return random_to(h, buf, n);
	case DEV_CONSOLE:
		return h->console_read ? h->console_read(h->ctx, buf, n) : 0;
	default:
		return 0;
	}
}

static int64_t devfs_write(struct vnode *vn, const void *buf, size_t n,
			   uint64_t off)
{
	const struct devfs_hooks *h = &devfs_of(vn)->hooks;

	(void)off;
	if (dev_index(vn) == DEV_CONSOLE && h->console_write != NULL)
		return h->console_write(h->ctx, buf, n);
	return (int64_t)n; /* null, zero and random swallow writes */
}

/* Opening with O_TRUNC (as shells do for "> /dev/null") is fine. */
static int devfs_truncate(struct vnode *vn, uint64_t size)
{
	(void)vn;
	(void)size;
	return 0;
}

static int devfs_getattr(struct vnode *vn, struct vfs_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->mode = vn->mode;
	a->ino = vn->ino;
	a->nlink = dev_index(vn) == DEV_ROOT ? 2 : 1;
	return 0;
}

static int devfs_readdir(struct vnode *dir, uint64_t index, struct vfs_dirent *e)
{
	struct vnode *vn;

	if (index >= DEVFS_NODES - 1)
		return -ENOENT;
	vn = &devfs_of(dir)->nodes[index + 1];
	e->ino = vn->ino;
	e->mode = vn->mode;
	memcpy(e->name, dev_names[index + 1], strlen(dev_names[index + 1]) + 1);
	return 0;
}

static const struct vnode_ops devfs_ops = {
	.lookup = devfs_lookup,
	.read = devfs_read,
	.write = devfs_write,
	.truncate = devfs_truncate,
	.getattr = devfs_getattr,
	.readdir = devfs_readdir,
};

void devfs_init(struct devfs *d, const struct devfs_hooks *hooks)
{
	memset(d, 0, sizeof(*d));
	d->hooks = *hooks;
	for (int i = 0; i < DEVFS_NODES; i++) {
		d->nodes[i].ops = &devfs_ops;
		d->nodes[i].mode = i == DEV_ROOT ? VFS_S_IFDIR | 0755 :
				   VFS_S_IFCHR | 0666;
		d->nodes[i].ino = (uint64_t)i + 1;
		d->nodes[i].fs = d;
	}
}

struct vnode *devfs_root(struct devfs *d)
{
	return &d->nodes[DEV_ROOT];
}
