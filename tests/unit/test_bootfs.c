/*
 * Tests for kernel/fs/bootfs.c: images built here in C are mounted and
 * read back; every kind of damage (truncation, bad header, names out of
 * the table or unterminated, data out of range or misaligned, duplicates,
 * clashes, bad paths and modes) must be refused with -EINVAL and a reason,
 * leaking nothing. The seeds of fuzz/corpus/fuzz_bootfs (made by
 * scripts/mkbootfs) must mount too.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <carapace/vfs.h>

#include "fs_helpers.h"

static const struct img_entry good[] = {
	{ "/bin/app", VFS_S_IFREG | 0755, "#!app" },
	{ "/etc/motd", VFS_S_IFREG | 0644, "welcome to carapace\n" },
	{ "/etc/empty", VFS_S_IFREG | 0644, "" },
	{ "/var/log", VFS_S_IFDIR | 0700, NULL },
	{ "/etc", VFS_S_IFDIR | 0711, NULL },
};
#define NGOOD (sizeof(good) / sizeof(good[0]))

struct mounted {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct bootfs *fs;
};

static void mount_ok(struct mounted *m, const uint8_t *img, size_t size)
{
	const char *why = NULL;

	m->alloc = counting_alloc_init(&m->ca);
	assert_int_equal(bootfs_mount(img, size, &m->alloc, &m->fs, &why), 0);
	assert_null(why);
	vfs_init(&m->vfs, &m->alloc);
	assert_int_equal(vfs_mount(&m->vfs, "/", bootfs_root(m->fs)), 0);
}

static void unmount(struct mounted *m)
{
	vfs_destroy(&m->vfs);
	bootfs_destroy(m->fs);
	assert_int_equal(m->ca.outstanding, 0);
}

static void test_good_image(void **state)
{
	struct mounted m;
	size_t size;
	uint8_t *img = build_image(good, NGOOD, &size);
	struct linux_stat st;
	struct vfs_file *f;
	char buf[64];

	(void)state;
	mount_ok(&m, img, size);
	for (size_t i = 0; i < NGOOD; i++) {
		assert_int_equal(vfs_stat(&m.vfs, "/", good[i].path, &st), 0);
		assert_int_equal(st.st_mode, good[i].mode);
		if (good[i].data == NULL)
			continue;
		assert_int_equal(st.st_size, strlen(good[i].data));
		assert_int_equal(vfs_open(&m.vfs, "/", good[i].path, VFS_O_RDONLY, 0, &f), 0);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(vfs_read(f, buf, sizeof(buf)), strlen(good[i].data));
		assert_string_equal(buf, good[i].data);
		assert_int_equal(vfs_read(f, buf, sizeof(buf)), 0);
		vfs_file_put(f);
	}
	/* Implied parents are directories; write calls are EROFS. */
	assert_int_equal(vfs_stat(&m.vfs, "/", "/bin", &st), 0);
	assert_int_equal(st.st_mode, VFS_S_IFDIR | 0755);
	assert_int_equal(vfs_stat(&m.vfs, "/", "/var/log/", &st), 0);
	assert_int_equal(vfs_stat(&m.vfs, "/", "/bin/nope", &st), -ENOENT);
	assert_int_equal(vfs_mkdir(&m.vfs, "/", "/x", 0755), -EROFS);
	assert_int_equal(vfs_unlink(&m.vfs, "/", "/bin/app"), -EROFS);
	assert_int_equal(vfs_rename(&m.vfs, "/", "/bin/app", "/bin/b"), -EROFS);
	assert_int_equal(vfs_truncate(&m.vfs, "/", "/bin/app", 0), -EROFS);
	assert_int_equal(vfs_open(&m.vfs, "/", "/etc/motd", VFS_O_WRONLY, 0, &f), -EROFS);
	assert_int_equal(vfs_open(&m.vfs, "/", "/etc/motd", VFS_O_RDONLY | VFS_O_TRUNC, 0, &f),
			 -EROFS);
	/* The root lists . .. bin etc var. */
	assert_int_equal(vfs_open(&m.vfs, "/", "/", VFS_O_RDONLY, 0, &f), 0);
	int64_t n = vfs_getdents64(f, buf, sizeof(buf));
	int count = 0;

	for (int64_t pos = 0; pos < n; count++) {
		struct linux_dirent64 d;

		memcpy(&d, buf + pos, VFS_DIRENT64_HDR);
		pos += d.d_reclen;
	}
	assert_int_equal(count, 2);  /* 64 bytes: ".", ".." take 24 each */
	n = vfs_getdents64(f, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf + VFS_DIRENT64_HDR, "bin");
	vfs_file_put(f);
	unmount(&m);
	free(img);
}

/* A way to damage the good image, and what bootfs_mount must say. */
struct damage {
	const char *name;
	size_t at;          /* byte offset to overwrite */
	int width;          /* 1, 4 or 8 bytes; 0: size becomes value */
	uint64_t value;
	const char *why;
};

#define ENT(i, field) (BOOTFS_HDR_SIZE + (i) * BOOTFS_ENTRY_SIZE + (field))
#define STRINGS (BOOTFS_HDR_SIZE + NGOOD * BOOTFS_ENTRY_SIZE)

static const struct damage damages[] = {
	{ "short", 0, 0, 31, "image shorter than its header" },
	{ "no module", 0, 0, 0, "image shorter than its header" },
	{ "truncated", 0, 0, 100, "image size does not match the module" },
	{ "magic", 0, 1, 'X', "bad magic" },
	{ "version", 4, 4, 2, "unknown version" },
	{ "count", 8, 4, 0xffffffff, "entry table outside the image" },
	{ "table end", 12, 4, 0x7fffffff, "entry table outside the image" },
	{ "table too small", 12, 4, STRINGS - 1, "entry table outside the image" },
	{ "image size", 16, 8, UINT64_MAX, "image size does not match the module" },
	{ "image size small", 16, 8, 8, "image size does not match the module" },
	{ "hdr reserved", 24, 1, 1, "header reserved field not zero" },
	{ "name in header", ENT(0, 0), 4, 0, "entry name outside the string table" },
	{ "name in entries", ENT(0, 0), 4, ENT(1, 0), "entry name outside the string table" },
	{ "name past table", ENT(0, 0), 4, 0x10000, "entry name outside the string table" },
	{ "relative", STRINGS, 1, 'b', "entry path not absolute and normalised" },
	{ "empty comp", STRINGS + 5, 1, '/', "entry path not absolute and normalised" },
	{ "dot comp", STRINGS + 1, 4, 0x2f2e2e2f /* "/../" */, "entry path not absolute and normalised" },
	{ "mode bits", ENT(0, 4), 4, 01000000 | VFS_S_IFREG, "entry mode has unknown bits" },
	{ "symlink", ENT(0, 4), 4, 0120777, "entry neither file nor directory" },
	{ "misaligned", ENT(0, 8), 8, 0x88, "file data not 16-byte aligned" },
	{ "data in table", ENT(0, 8), 8, 0x0, "file data outside the image" },
	{ "data past end", ENT(0, 8), 8, 0x10000, "file data outside the image" },
	{ "size overflow", ENT(0, 16), 8, UINT64_MAX, "file data outside the image" },
	{ "dir with data", ENT(3, 16), 8, 1, "directory entry with data" },
	{ "ent reserved", ENT(2, 24), 8, 5, "entry reserved field not zero" },
	{ "duplicate", ENT(1, 0), 4, STRINGS, "duplicate path" },
	{ "dir as file", ENT(0, 4), 4, VFS_S_IFDIR | 0755, "directory entry with data" },
};

static void put_width(uint8_t *p, int width, uint64_t v)
{
	if (width == 1)
		*p = (uint8_t)v;
	else if (width == 4)
		put32(p, (uint32_t)v);
	else
		put64(p, v);
}

static void test_damaged_images(void **state)
{
	size_t size;
	uint8_t *img = build_image(good, NGOOD, &size);

	(void)state;
	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		const struct damage *d = &damages[i];
		uint8_t *copy = malloc(size);
		size_t len = size;
		struct counting_alloc ca;
		struct vfs_alloc alloc = counting_alloc_init(&ca);
		struct bootfs *fs = NULL;
		const char *why = NULL;

		printf("# damage: %s\n", d->name);
		memcpy(copy, img, size);
		if (d->width == 0)
			len = (size_t)d->value;
		else
			put_width(copy + d->at, d->width, d->value);
		assert_int_equal(bootfs_mount(len ? copy : NULL, len, &alloc, &fs, &why), -EINVAL);
		assert_non_null(why);
		assert_string_equal(why, d->why);
		assert_null(fs);
		assert_int_equal(ca.outstanding, 0);
		free(copy);
	}
	free(img);
}

/* Images whose entries clash: refused with the reason. */
struct clash {
	struct img_entry e[3];
	size_t n;
	const char *why;
};

static const struct clash clashes[] = {
	{ { { "/a", VFS_S_IFREG | 0644, "x" }, { "/a/b", VFS_S_IFREG | 0644, "y" } }, 2,
	  "a file is also used as a directory" },
	{ { { "/a/b", VFS_S_IFREG | 0644, "y" }, { "/a", VFS_S_IFREG | 0644, "x" } }, 2,
	  "a file is also used as a directory" },
	{ { { "/a/b", VFS_S_IFDIR | 0755, NULL }, { "/a/b", VFS_S_IFDIR | 0755, NULL } }, 2,
	  "duplicate path" },
	{ { { "/a/", VFS_S_IFDIR | 0755, NULL } }, 1, "entry path not absolute and normalised" },
	{ { { "/", VFS_S_IFDIR | 0755, NULL } }, 1, "entry path not absolute and normalised" },
	{ { { "/a/./b", VFS_S_IFREG | 0644, "" } }, 1, "entry path not absolute and normalised" },
};

static void test_clashes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(clashes) / sizeof(clashes[0]); i++) {
		size_t size;
		uint8_t *img = build_image(clashes[i].e, clashes[i].n, &size);
		struct counting_alloc ca;
		struct vfs_alloc alloc = counting_alloc_init(&ca);
		struct bootfs *fs = NULL;
		const char *why = NULL;

		assert_int_equal(bootfs_mount(img, size, &alloc, &fs, &why), -EINVAL);
		assert_string_equal(why, clashes[i].why);
		assert_int_equal(ca.outstanding, 0);
		free(img);
	}
}

/* An unterminated last name: the table ends inside it. */
static void test_unterminated_name(void **state)
{
	size_t size;
	uint8_t *img = build_image(good, NGOOD, &size);
	struct counting_alloc ca;
	struct vfs_alloc alloc = counting_alloc_init(&ca);
	struct bootfs *fs = NULL;
	const char *why = NULL;
	uint32_t table_end = (uint32_t)img[12] | (uint32_t)img[13] << 8;

	(void)state;
	put32(img + 12, table_end - 1);
	assert_int_equal(bootfs_mount(img, size, &alloc, &fs, &why), -EINVAL);
	assert_string_equal(why, "entry name not NUL-terminated inside the table");
	free(img);
}

/* Every prefix of a good image is refused (its header says how long it is). */
static void test_every_truncation(void **state)
{
	size_t size;
	uint8_t *img = build_image(good, NGOOD, &size);

	(void)state;
	for (size_t len = 0; len < size; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct counting_alloc ca;
		struct vfs_alloc alloc = counting_alloc_init(&ca);
		struct bootfs *fs;

		memcpy(copy, img, len);
		assert_int_equal(bootfs_mount(copy, len, &alloc, &fs, NULL), -EINVAL);
		free(copy);
	}
	free(img);
}

static void test_out_of_memory(void **state)
{
	size_t size;
	uint8_t *img = build_image(good, NGOOD, &size);

	(void)state;
	for (long k = 0; k < 2; k++) {
		struct counting_alloc ca;
		struct vfs_alloc alloc = counting_alloc_init(&ca);
		struct bootfs *fs;
		const char *why;

		ca.fail_after = k;
		assert_int_equal(bootfs_mount(img, size, &alloc, &fs, &why), -ENOMEM);
		assert_int_equal(ca.outstanding, 0);
	}
	free(img);
}

/* The seed images made by scripts/mkbootfs mount and hold what it wrote. */
static void test_mkbootfs_seed(void **state)
{
	FILE *in = fopen("fuzz/corpus/fuzz_bootfs/mkbootfs-small", "rb");
	static uint8_t img[1 << 16];
	size_t size;
	struct mounted m;
	struct vfs_file *f;
	char buf[64] = { 0 };

	(void)state;
	if (in == NULL)
		skip(); /* not run from the top of the tree */
	size = fread(img, 1, sizeof(img), in);
	fclose(in);
	mount_ok(&m, img, size);
	assert_int_equal(vfs_open(&m.vfs, "/", "/etc/hello.txt", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "hello, bootfs!\n");
	vfs_file_put(f);
	unmount(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_image),
		cmocka_unit_test(test_damaged_images),
		cmocka_unit_test(test_clashes),
		cmocka_unit_test(test_unterminated_name),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_mkbootfs_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
