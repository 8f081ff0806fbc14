/*
 * Helpers shared by the kernel/fs tests: an allocator that counts what is
 * outstanding (every test must end at 0) and can be told to fail, and a
 * builder of bootfs images in memory.
 */
#ifndef CARAPACE_TESTS_FS_HELPERS_H
#define CARAPACE_TESTS_FS_HELPERS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/vfs.h>

struct counting_alloc {
	long outstanding;
	long fail_after; /* allocations left before failing; < 0: never fail */
	size_t largest;  /* the largest allocation asked for */
};

static inline void *counting_alloc_fn(void *ctx, size_t n)
{
	struct counting_alloc *c = ctx;
	void *p;

	if (c->fail_after == 0)
		return NULL;
	if (c->fail_after > 0)
		c->fail_after--;
	p = malloc(n);
	if (p != NULL)
		c->outstanding++;
	if (n > c->largest)
		c->largest = n;
	return p;
}

static inline void counting_free_fn(void *ctx, void *p)
{
	struct counting_alloc *c = ctx;

	if (p != NULL)
		c->outstanding--;
	free(p);
}

static inline struct vfs_alloc counting_alloc_init(struct counting_alloc *c)
{
	c->outstanding = 0;
	c->fail_after = -1;
	c->largest = 0;
	return (struct vfs_alloc){ counting_alloc_fn, counting_free_fn, c };
}

/*
 * The application's memory that vanished while a call slept on it (another
 * thread unmapped it): the kernel's app_copy and app_zero fault there and
 * return -EFAULT (carapace/app_copy.h). These replace the host's weak plain
 * copies; no range vanished (both NULL) unless a test says so.
 */
static const uint8_t *vanished_lo, *vanished_hi;

static inline int vanishes(const void *p, size_t n)
{
	const uint8_t *b = p;

	return vanished_lo && n > 0 && b < vanished_hi && b + n > vanished_lo;
}

int app_copy(void *dst, const void *src, size_t n)
{
	if (vanishes(dst, n) || vanishes(src, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

int app_zero(void *dst, size_t n)
{
	if (vanishes(dst, n))
		return -EFAULT;
	memset(dst, 0, n);
	return 0;
}

/* One file or directory to put in a test image. */
struct img_entry {
	const char *path;
	uint32_t mode;
	const char *data; /* NULL for directories */
};

static inline void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static inline size_t align16(size_t n)
{
	return (n + BOOTFS_ALIGN - 1) & ~(size_t)(BOOTFS_ALIGN - 1);
}

/* A bootfs image of the n entries, malloc'ed; its size in *size. */
static inline uint8_t *build_image(const struct img_entry *e, size_t n,
				   size_t *size)
{
	size_t strings = BOOTFS_HDR_SIZE + n * BOOTFS_ENTRY_SIZE, table_end;
	size_t total, s, d;
	uint8_t *img;

	table_end = strings;
	for (size_t i = 0; i < n; i++)
		table_end += strlen(e[i].path) + 1;
	total = align16(table_end);
	for (size_t i = 0; i < n; i++)
		if (e[i].data != NULL)
			total = align16(total + strlen(e[i].data));
	img = calloc(1, total ? total : 1);
	put32(img, BOOTFS_MAGIC);
	put32(img + 4, BOOTFS_VERSION);
	put32(img + 8, (uint32_t)n);
	put32(img + 12, (uint32_t)table_end);
	put64(img + 16, total);
	s = strings;
	d = align16(table_end);
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = img + BOOTFS_HDR_SIZE + i * BOOTFS_ENTRY_SIZE;
		size_t len = strlen(e[i].path) + 1;

		put32(p, (uint32_t)s);
		put32(p + 4, e[i].mode);
		memcpy(img + s, e[i].path, len);
		s += len;
		if (e[i].data != NULL) {
			size_t dl = strlen(e[i].data);

			put64(p + 8, d);
			put64(p + 16, dl);
			memcpy(img + d, e[i].data, dl);
			d = align16(d + dl);
		}
	}
	*size = total;
	return img;
}

#endif
