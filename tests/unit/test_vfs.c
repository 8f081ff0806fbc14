/*
 * Tests for kernel/fs/vfs.c, file.c and fdtable.c over a namespace of
 * ramfs at "/", a second ramfs at /tmp, devfs at /dev and a bootfs at
 * /boot: path resolution, the error code of every namespace call, the
 * descriptor table, getdents64 records parsed back, the stat layout, and
 * devfs. Every test checks that all memory came back.
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
#include <sys/stat.h>
#include <cmocka.h>

#include <carapace/vfs.h>

#include "fs_helpers.h"

struct ns {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct ramfs *root, *tmp;
	struct devfs dev;
	struct bootfs *boot;
	uint8_t *image;
	char console[64];
	size_t console_len;
};

static void fake_random(void *ctx, void *buf, size_t n)
{
	(void)ctx;
	memset(buf, 0xa5, n);
}

static int64_t console_write(void *ctx, const void *buf, size_t n)
{
	struct ns *ns = ctx;

	if (n > sizeof(ns->console) - ns->console_len)
		n = sizeof(ns->console) - ns->console_len;
	memcpy(ns->console + ns->console_len, buf, n);
	ns->console_len += n;
	return (int64_t)n;
}

static const struct img_entry boot_files[] = {
	{ "/bin/app", VFS_S_IFREG | 0755, "ELF..." },
	{ "/etc/hosts", VFS_S_IFREG | 0644, "127.0.0.1 localhost\n" },
	{ "/empty", VFS_S_IFDIR | 0755, NULL },
};

static int ns_setup(void **state)
{
	struct ns *ns = calloc(1, sizeof(*ns));
	struct devfs_hooks hooks = { fake_random, console_write, NULL, ns };
	size_t size;

	ns->alloc = counting_alloc_init(&ns->ca);
	vfs_init(&ns->vfs, &ns->alloc);
	assert_int_equal(ramfs_new(&ns->alloc, 0, &ns->root), 0);
	assert_int_equal(ramfs_new(&ns->alloc, 0, &ns->tmp), 0);
	devfs_init(&ns->dev, &hooks);
	ns->image = build_image(boot_files, 3, &size);
	assert_int_equal(bootfs_mount(ns->image, size, &ns->alloc, &ns->boot, NULL), 0);
	assert_int_equal(vfs_mount(&ns->vfs, "/", ramfs_root(ns->root)), 0);
	assert_int_equal(vfs_mount(&ns->vfs, "/tmp", ramfs_root(ns->tmp)), 0);
	assert_int_equal(vfs_mount(&ns->vfs, "/dev", devfs_root(&ns->dev)), 0);
	assert_int_equal(vfs_mount(&ns->vfs, "/boot", bootfs_root(ns->boot)), 0);
	/* /a/b/c directories, /a/f a file holding "hello". */
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", "a", 0755), 0);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", "/a/b", 0755), 0);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/a", "b/c", 0755), 0);
	struct vfs_file *f;

	assert_int_equal(vfs_open(&ns->vfs, "/", "/a/f", VFS_O_WRONLY | VFS_O_CREAT,
				  0644, &f), 0);
	assert_int_equal(vfs_write(f, "hello", 5), 5);
	vfs_file_put(f);
	*state = ns;
	return 0;
}

static int ns_teardown(void **state)
{
	struct ns *ns = *state;

	vfs_destroy(&ns->vfs);
	ramfs_destroy(ns->root);
	ramfs_destroy(ns->tmp);
	bootfs_destroy(ns->boot);
	free(ns->image);
	assert_int_equal(ns->ca.outstanding, 0);
	free(ns);
	return 0;
}

static char *long_name(size_t n)
{
	char *s = malloc(n + 2);

	s[0] = '/';
	memset(s + 1, 'x', n);
	s[n + 1] = '\0';
	return s;
}

/* path (from cwd) and same name one object, or fail with err. */
struct resolve_case {
	const char *cwd, *path, *same;
	int err;
};

static const struct resolve_case resolve_cases[] = {
	{ "/", "/", "/", 0 },
	{ "/", "//a///b", "/a/b", 0 },
	{ "/", "/a/./b/", "/a/b", 0 },
	{ "/", "/a/b/..", "/a", 0 },
	{ "/", "/..", "/", 0 },
	{ "/", "/../../a", "/a", 0 },
	{ "/", "a/b", "/a/b", 0 },
	{ "/a", "b", "/a/b", 0 },
	{ "/a/b", "../f", "/a/f", 0 },
	{ "/a/b", ".", "/a/b", 0 },
	{ "/a/b/c", "../../..", "/", 0 },
	{ "/a//b/", "c", "/a/b/c", 0 },
	{ "/", "/tmp/..", "/", 0 },
	{ "/tmp", "../a", "/a", 0 },
	{ "/", "/boot/etc/../bin/app", "/boot/bin/app", 0 },
	{ "/", "/dev/./null", "/dev/null", 0 },
	{ "/", "", NULL, -ENOENT },
	{ "/", "/a/f/", NULL, -ENOTDIR },
	{ "/", "/a/f/.", NULL, -ENOTDIR },
	{ "/", "/a/f/x", NULL, -ENOTDIR },
	{ "/", "/a/f/..", NULL, -ENOTDIR },
	{ "/", "/nope/..", NULL, -ENOENT },
	{ "/", "/nope/x", NULL, -ENOENT },
	{ "/", "/nope", NULL, -ENOENT },
	{ "/nope", "x", NULL, -ENOENT },
	{ "/a/f", "x", NULL, -ENOTDIR },
	{ "/", "/boot/bin/app/x", NULL, -ENOTDIR },
};

static void test_resolve(void **state)
{
	struct ns *ns = *state;

	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct linux_stat a, b;
		int rc = vfs_stat(&ns->vfs, c->cwd, c->path, &a);

		printf("# resolve %s from %s\n", c->path, c->cwd);
		assert_int_equal(rc, c->err);
		if (c->err != 0)
			continue;
		assert_int_equal(vfs_stat(&ns->vfs, "/", c->same, &b), 0);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_int_equal(a.st_mode, b.st_mode);
	}
}

static void test_name_limits(void **state)
{
	struct ns *ns = *state;
	struct linux_stat st;
	char *ok = long_name(VFS_NAME_MAX), *bad = long_name(VFS_NAME_MAX + 1);
	char *huge = malloc(VFS_PATH_MAX + 1);

	assert_int_equal(vfs_stat(&ns->vfs, "/", ok, &st), -ENOENT);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", ok, 0755), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", ok, &st), 0);
	assert_int_equal(vfs_rmdir(&ns->vfs, "/", ok), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", bad, &st), -ENAMETOOLONG);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", bad, 0755), -ENAMETOOLONG);
	/* 4095 bytes of "/./././" is a fine path; 4096 is not. */
	for (size_t i = 0; i < VFS_PATH_MAX; i++)
		huge[i] = i % 2 ? '.' : '/';
	huge[VFS_PATH_MAX - 1] = '\0';
	assert_int_equal(vfs_stat(&ns->vfs, "/", huge, &st), 0);
	huge[VFS_PATH_MAX - 1] = '/';
	huge[VFS_PATH_MAX] = '\0';
	assert_int_equal(vfs_stat(&ns->vfs, "/", huge, &st), -ENAMETOOLONG);
	/* A resolved path that outgrows PATH_MAX: levels of 255-byte names,
	 * each made from the last as cwd; the 16th would need 16 * 256. */
	char *cwd = calloc(1, 20 * 256 + 2);
	int levels = 0;

	strcpy(cwd, "/tmp");
	for (int rc = 0; rc == 0; levels++) {
		rc = vfs_mkdir(&ns->vfs, cwd, ok + 1, 0755);
		if (rc == 0)
			strcat(cwd, ok);
		else
			assert_int_equal(rc, -ENAMETOOLONG);
	}
	assert_int_equal(levels, 16);
	assert_int_equal(vfs_stat(&ns->vfs, cwd, ".", &st), 0);
	while (strcmp(cwd, "/tmp") != 0) {
		assert_int_equal(vfs_rmdir(&ns->vfs, "/", cwd), 0);
		cwd[strlen(cwd) - VFS_NAME_MAX - 1] = '\0';
	}
	free(cwd);
	free(ok);
	free(bad);
	free(huge);
}

/* One namespace call and the error it must give. */
enum op { MKDIR, RMDIR, UNLINK, RENAME, OPEN, TRUNCATE };
struct err_case {
	enum op op;
	const char *path, *path2;
	int flags;
	int err;
};

static const struct err_case err_cases[] = {
	{ MKDIR, "/a", NULL, 0, -EEXIST },
	{ MKDIR, "/a/b/", NULL, 0, -EEXIST },
	{ MKDIR, "/nope/x", NULL, 0, -ENOENT },
	{ MKDIR, "/a/f/x", NULL, 0, -ENOTDIR },
	{ MKDIR, "/boot/x", NULL, 0, -EROFS },
	{ MKDIR, "/boot/bin", NULL, 0, -EEXIST },
	{ RMDIR, "/a", NULL, 0, -ENOTEMPTY },
	{ RMDIR, "/a/f", NULL, 0, -ENOTDIR },
	{ RMDIR, "/a/nope", NULL, 0, -ENOENT },
	{ RMDIR, "/", NULL, 0, -EBUSY },
	{ RMDIR, "/tmp", NULL, 0, -EBUSY },
	{ RMDIR, "/a/b/c/.", NULL, 0, -EINVAL },
	{ RMDIR, "/a/b/c/..", NULL, 0, -ENOTEMPTY },
	{ RMDIR, "/boot/empty", NULL, 0, -EROFS },
	{ UNLINK, "/a", NULL, 0, -EISDIR },
	{ UNLINK, "/a/nope", NULL, 0, -ENOENT },
	{ UNLINK, "/a/f/", NULL, 0, -ENOTDIR },
	{ UNLINK, "/boot/etc/hosts", NULL, 0, -EROFS },
	{ UNLINK, "/dev/null", NULL, 0, -EROFS },
	{ RENAME, "/a/f", "/tmp/f", 0, -EXDEV },
	{ RENAME, "/a", "/a/b/x", 0, -EINVAL },
	{ RENAME, "/a/b/c", "/a/f", 0, -ENOTDIR },
	{ RENAME, "/a/f", "/a/b", 0, -EISDIR },
	{ RENAME, "/a/b", "/a/b/c/..", 0, -EINVAL },
	{ RENAME, "/a/nope", "/a/x", 0, -ENOENT },
	{ RENAME, "/a/f", "/nope/x", 0, -ENOENT },
	{ RENAME, "/a/f", "/a/g/", 0, -ENOTDIR },
	{ RENAME, "/tmp", "/x", 0, -EBUSY },
	{ RENAME, "/a/b/c", "/tmp", 0, -EBUSY },
	{ RENAME, "/boot/bin", "/boot/sbin", 0, -EROFS },
	{ RENAME, "/a/b", "/a", 0, -ENOTEMPTY },
	{ RENAME, "/a/f", "/a/f", 0, 0 },
	{ OPEN, "/a/nope", NULL, VFS_O_RDONLY, -ENOENT },
	{ OPEN, "/a/f", NULL, VFS_O_CREAT | VFS_O_EXCL | VFS_O_WRONLY, -EEXIST },
	{ OPEN, "/a", NULL, VFS_O_WRONLY, -EISDIR },
	{ OPEN, "/a", NULL, VFS_O_RDONLY | VFS_O_CREAT, -EISDIR },
	{ OPEN, "/a/f", NULL, VFS_O_RDONLY | VFS_O_DIRECTORY, -ENOTDIR },
	{ OPEN, "/a/new/", NULL, VFS_O_WRONLY | VFS_O_CREAT, -EISDIR },
	{ OPEN, "/a/f", NULL, 3, -EINVAL },
	{ OPEN, "/boot/bin/app", NULL, VFS_O_RDWR, -EROFS },
	{ OPEN, "/boot/new", NULL, VFS_O_WRONLY | VFS_O_CREAT, -EROFS },
	{ OPEN, "/boot/bin/app", NULL, VFS_O_RDONLY, 0 },
	{ OPEN, "/a", NULL, VFS_O_RDONLY | VFS_O_DIRECTORY, 0 },
	{ OPEN, "/dev/null", NULL, VFS_O_WRONLY | VFS_O_TRUNC, 0 },
	{ TRUNCATE, "/a", NULL, 0, -EISDIR },
	{ TRUNCATE, "/boot/bin/app", NULL, 0, -EROFS },
	{ TRUNCATE, "/a/nope", NULL, 0, -ENOENT },
};

static int run_err_case(struct vfs *vfs, const struct err_case *c)
{
	struct vfs_file *f;
	int rc;

	switch (c->op) {
	case MKDIR:
		return vfs_mkdir(vfs, "/", c->path, 0755);
	case RMDIR:
		return vfs_rmdir(vfs, "/", c->path);
	case UNLINK:
		return vfs_unlink(vfs, "/", c->path);
	case RENAME:
		return vfs_rename(vfs, "/", c->path, c->path2);
	case TRUNCATE:
		return vfs_truncate(vfs, "/", c->path, 0);
	case OPEN:
		rc = vfs_open(vfs, "/", c->path, c->flags, 0644, &f);
		if (rc == 0)
			vfs_file_put(f);
		return rc;
	}
	return -1;
}

static void test_errors(void **state)
{
	struct ns *ns = *state;

	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		printf("# case %zu: %s\n", i, err_cases[i].path);
		assert_int_equal(run_err_case(&ns->vfs, &err_cases[i]), err_cases[i].err);
	}
	assert_int_equal(vfs_mount(&ns->vfs, "/tmp", ramfs_root(ns->tmp)), -EBUSY);
	assert_int_equal(vfs_mount(&ns->vfs, "tmp", ramfs_root(ns->tmp)), -EINVAL);
	assert_int_equal(vfs_mount(&ns->vfs, "/x/", ramfs_root(ns->tmp)), -EINVAL);
	assert_int_equal(vfs_mount(&ns->vfs, "/x/../y", ramfs_root(ns->tmp)), -EINVAL);
}

static void test_rename_moves(void **state)
{
	struct ns *ns = *state;
	struct linux_stat st;
	char buf[8] = { 0 };
	struct vfs_file *f;

	assert_int_equal(vfs_rename(&ns->vfs, "/", "/a/f", "/a/b/c/g"), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/a/f", &st), -ENOENT);
	assert_int_equal(vfs_rename(&ns->vfs, "/", "/a/b", "/top"), 0);
	assert_int_equal(vfs_open(&ns->vfs, "/top", "c/g", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	vfs_file_put(f);
	/* Replacing an empty directory and a file. */
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", "/e", 0755), 0);
	assert_int_equal(vfs_rename(&ns->vfs, "/", "/top", "/e"), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/e/c/g", &st), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/", "/e/c/h", 0755), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/e/c", &st), 0);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(vfs_open(&ns->vfs, "/", "/e/k", VFS_O_CREAT | VFS_O_WRONLY,
				  0644, &f), 0);
	vfs_file_put(f);
	assert_int_equal(vfs_rename(&ns->vfs, "/", "/e/c/g", "/e/k"), 0);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/e/k", &st), 0);
	assert_int_equal(st.st_size, 5);
}

static void test_read_write_seek(void **state)
{
	struct ns *ns = *state;
	struct vfs_file *f, *g;
	char buf[32];

	assert_int_equal(vfs_open(&ns->vfs, "/", "/tmp/x", VFS_O_RDWR | VFS_O_CREAT,
				  0600, &f), 0);
	assert_int_equal(vfs_write(f, "abcdef", 6), 6);
	assert_int_equal(vfs_lseek(f, 2, VFS_SEEK_SET), 2);
	assert_int_equal(vfs_read(f, buf, 3), 3);
	assert_memory_equal(buf, "cde", 3);
	assert_int_equal(vfs_lseek(f, -1, VFS_SEEK_CUR), 4);
	assert_int_equal(vfs_lseek(f, 2, VFS_SEEK_END), 8);
	assert_int_equal(vfs_lseek(f, -9, VFS_SEEK_END), -EINVAL);
	assert_int_equal(vfs_lseek(f, 0, 7), -EINVAL);
	assert_int_equal(vfs_write(f, "Z", 1), 1);
	assert_int_equal(vfs_pread(f, buf, sizeof(buf), 0), 9);
	assert_memory_equal(buf, "abcdef\0\0Z", 9);
	assert_int_equal(vfs_pread(f, buf, 1, -1), -EINVAL);
	assert_int_equal(vfs_pwrite(f, "x", 1, INT64_MAX), -EFBIG);
	assert_int_equal(vfs_ftruncate(f, 3), 0);
	assert_int_equal(vfs_ftruncate(f, -1), -EINVAL);
	vfs_file_put(f);
	/* O_APPEND writes at the end; O_TRUNC empties; access modes hold. */
	assert_int_equal(vfs_open(&ns->vfs, "/tmp", "x", VFS_O_WRONLY | VFS_O_APPEND,
				  0, &f), 0);
	assert_int_equal(vfs_lseek(f, 0, VFS_SEEK_SET), 0);
	assert_int_equal(vfs_write(f, "++", 2), 2);
	assert_int_equal(vfs_read(f, buf, 1), -EBADF);
	vfs_file_put(f);
	assert_int_equal(vfs_open(&ns->vfs, "/", "/tmp/x", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_read(f, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "abc++", 5);
	assert_int_equal(vfs_write(f, "x", 1), -EBADF);
	assert_int_equal(vfs_ftruncate(f, 0), -EBADF);
	/* Unlinked while open: the data stays until the last close. */
	assert_int_equal(vfs_unlink(&ns->vfs, "/", "/tmp/x"), 0);
	assert_int_equal(vfs_pread(f, buf, sizeof(buf), 0), 5);
	struct linux_stat st;

	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(vfs_open(&ns->vfs, "/", "/tmp/x", VFS_O_RDONLY, 0, &g), -ENOENT);
	vfs_file_put(f);
	/* Directories: read is EISDIR. */
	assert_int_equal(vfs_open(&ns->vfs, "/", "/a", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_read(f, buf, 1), -EISDIR);
	assert_int_equal(vfs_ftruncate(f, 0), -EBADF);
	vfs_file_put(f);
	/* bootfs reads. */
	assert_int_equal(vfs_open(&ns->vfs, "/", "/boot/etc/hosts", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_pread(f, buf, sizeof(buf), 10), 10);
	assert_memory_equal(buf, "localhost\n", 10);
	assert_int_equal(vfs_pread(f, buf, sizeof(buf), 1000), 0);
	assert_int_equal(vfs_pwrite(f, "x", 1, 0), -EBADF);
	vfs_file_put(f);
}

static struct vfs_file *open_or_fail(struct ns *ns, const char *path, int flags)
{
	struct vfs_file *f;

	assert_int_equal(vfs_open(&ns->vfs, "/", path, flags, 0644, &f), 0);
	return f;
}

static void test_fdtable(void **state)
{
	struct ns *ns = *state;
	struct vfs_fdtable *t = malloc(sizeof(*t));
	struct vfs_file *f = open_or_fail(ns, "/a/f", VFS_O_RDONLY);

	vfs_fdtable_init(t);
	assert_int_equal(vfs_fd_install(t, f, false), 0);
	assert_int_equal(vfs_fd_install(t, f, true), 1);
	assert_int_equal(vfs_fd_install(t, f, false), 2);
	vfs_file_put(f); /* the table holds the references now */
	assert_int_equal(vfs_fd_close(t, 1), 0);
	assert_int_equal(vfs_fd_close(t, 1), -EBADF);
	assert_int_equal(vfs_fd_dup(t, 0), 1);
	assert_ptr_equal(vfs_fd_get(t, 1), vfs_fd_get(t, 0));
	assert_null(vfs_fd_get(t, -1));
	assert_null(vfs_fd_get(t, VFS_FD_MAX));
	assert_null(vfs_fd_get(t, 3));
	assert_int_equal(vfs_fd_dup(t, 3), -EBADF);
	assert_int_equal(vfs_fd_close(t, -1), -EBADF);
	assert_int_equal(vfs_fd_close(t, VFS_FD_MAX), -EBADF);
	/* dup2 onto itself is a no-op, dup3 onto itself EINVAL. */
	assert_int_equal(vfs_fd_dup3(t, 2, 2, 0, true), 2);
	assert_int_equal(vfs_fd_dup3(t, 2, 2, 0, false), -EINVAL);
	assert_int_equal(vfs_fd_dup3(t, 7, 7, 0, true), -EBADF);
	assert_int_equal(vfs_fd_dup3(t, 2, 5, 1, false), -EINVAL);
	assert_int_equal(vfs_fd_dup3(t, 2, VFS_FD_MAX, 0, true), -EBADF);
	assert_int_equal(vfs_fd_dup3(t, 9, 5, 0, true), -EBADF);
	/* dup2 over an open descriptor closes its file. */
	struct vfs_file *g = open_or_fail(ns, "/tmp", VFS_O_RDONLY);

	assert_int_equal(vfs_fd_install(t, g, false), 3);
	vfs_file_put(g);
	assert_int_equal(vfs_fd_dup3(t, 0, 3, VFS_O_CLOEXEC, false), 3);
	assert_ptr_equal(vfs_fd_get(t, 3), vfs_fd_get(t, 0));
	assert_true(t->fds[3].cloexec);
	/* Fill the table: EMFILE beyond VFS_FD_MAX. */
	for (int fd = 4; fd < VFS_FD_MAX; fd++)
		assert_int_equal(vfs_fd_dup(t, 0), fd);
	assert_int_equal(vfs_fd_dup(t, 0), -EMFILE);
	assert_int_equal(vfs_fd_close(t, 600), 0);
	assert_int_equal(vfs_fd_dup(t, 0), 600);
	assert_int_equal(vfs_fd_dup3(t, 0, 700, VFS_O_CLOEXEC, false), 700);
	vfs_fdtable_close_on_exec(t);
	assert_null(vfs_fd_get(t, 3));
	assert_null(vfs_fd_get(t, 700));
	assert_non_null(vfs_fd_get(t, 699));
	vfs_fdtable_close_all(t);
	for (int fd = 0; fd < VFS_FD_MAX; fd++)
		assert_null(vfs_fd_get(t, fd));
	free(t);
}

/* Parse getdents64 output back; returns how many records. */
static int parse_dirents(const char *buf, int64_t n, char names[][VFS_NAME_MAX + 1],
			 int max, int64_t *last_off)
{
	int count = 0;

	for (int64_t pos = 0; pos < n; count++) {
		struct linux_dirent64 d;

		assert_true(pos + VFS_DIRENT64_HDR <= n);
		memcpy(&d, buf + pos, VFS_DIRENT64_HDR);
		assert_int_equal(d.d_reclen % 8, 0);
		assert_true(d.d_reclen > VFS_DIRENT64_HDR && pos + d.d_reclen <= n);
		size_t len = strnlen(buf + pos + VFS_DIRENT64_HDR, d.d_reclen - VFS_DIRENT64_HDR);

		assert_true(len < (size_t)(d.d_reclen - VFS_DIRENT64_HDR));
		assert_true(count < max);
		memcpy(names[count], buf + pos + VFS_DIRENT64_HDR, len + 1);
		assert_true(d.d_ino != 0);
		if (strcmp(names[count], "sub") == 0 || names[count][0] == '.')
			assert_int_equal(d.d_type, VFS_DT_DIR);
		else
			assert_int_equal(d.d_type, VFS_DT_REG);
		*last_off = d.d_off;
		pos += d.d_reclen;
	}
	return count;
}

static void test_getdents64(void **state)
{
	struct ns *ns = *state;
	static char names[64][VFS_NAME_MAX + 1];
	char path[300], buf[96];
	int total = 0;
	int64_t n, last = 0;
	struct vfs_file *d;

	assert_int_equal(vfs_mkdir(&ns->vfs, "/", "/tmp/d", 0755), 0);
	assert_int_equal(vfs_mkdir(&ns->vfs, "/tmp/d", "sub", 0755), 0);
	for (int i = 0; i < 40; i++) {
		/* Names of 1..40 bytes, so every padding occurs. */
		int len = snprintf(path, sizeof(path), "/tmp/d/%0*d", i + 1, i);
		struct vfs_file *f;

		assert_true(len > 0);
		f = open_or_fail(ns, path, VFS_O_CREAT | VFS_O_WRONLY);
		vfs_file_put(f);
	}
	d = open_or_fail(ns, "/tmp/d", VFS_O_RDONLY | VFS_O_DIRECTORY);
	assert_int_equal(vfs_getdents64(d, buf, 20), -EINVAL);
	while ((n = vfs_getdents64(d, buf, sizeof(buf))) > 0) {
		total += parse_dirents(buf, n, names + total, 64 - total, &last);
		assert_int_equal(last, total);
	}
	assert_int_equal(n, 0);
	assert_int_equal(total, 43);
	assert_string_equal(names[0], ".");
	assert_string_equal(names[1], "..");
	assert_string_equal(names[2], "sub");
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%0*d", i + 1, i);
		assert_string_equal(names[3 + i], path);
	}
	/* Seeking back to a d_off resumes there. */
	assert_int_equal(vfs_lseek(d, 2, VFS_SEEK_SET), 2);
	n = vfs_getdents64(d, buf, sizeof(buf));
	assert_int_equal(parse_dirents(buf, n, names, 64, &last) > 0, 1);
	assert_string_equal(names[0], "sub");
	vfs_file_put(d);
	d = open_or_fail(ns, "/a/f", VFS_O_RDONLY);
	assert_int_equal(vfs_getdents64(d, buf, sizeof(buf)), -ENOTDIR);
	vfs_file_put(d);
	/* devfs and bootfs list their entries too. */
	d = open_or_fail(ns, "/boot", VFS_O_RDONLY);
	n = vfs_getdents64(d, buf, sizeof(buf));
	assert_true(n > 0);
	vfs_file_put(d);
}

static void test_stat_layout(void **state)
{
	struct ns *ns = *state;
	struct linux_stat st;

	(void)ns;
	assert_int_equal(sizeof(struct linux_stat), sizeof(struct stat));
	assert_int_equal(offsetof(struct linux_stat, st_ino), offsetof(struct stat, st_ino));
	assert_int_equal(offsetof(struct linux_stat, st_nlink), offsetof(struct stat, st_nlink));
	assert_int_equal(offsetof(struct linux_stat, st_mode), offsetof(struct stat, st_mode));
	assert_int_equal(offsetof(struct linux_stat, st_uid), offsetof(struct stat, st_uid));
	assert_int_equal(offsetof(struct linux_stat, st_gid), offsetof(struct stat, st_gid));
	assert_int_equal(offsetof(struct linux_stat, st_rdev), offsetof(struct stat, st_rdev));
	assert_int_equal(offsetof(struct linux_stat, st_size), offsetof(struct stat, st_size));
	assert_int_equal(offsetof(struct linux_stat, st_blksize), offsetof(struct stat, st_blksize));
	assert_int_equal(offsetof(struct linux_stat, st_blocks), offsetof(struct stat, st_blocks));
	assert_int_equal(offsetof(struct linux_stat, st_atime_sec), offsetof(struct stat, st_atim));
	assert_int_equal(offsetof(struct linux_stat, st_mtime_sec), offsetof(struct stat, st_mtim));
	assert_int_equal(offsetof(struct linux_stat, st_ctime_sec), offsetof(struct stat, st_ctim));
	assert_int_equal(offsetof(struct linux_dirent64, d_name), VFS_DIRENT64_HDR);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/a/f", &st), 0);
	assert_int_equal(st.st_mode, VFS_S_IFREG | 0644);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(st.st_blocks, 1);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/a", &st), 0);
	assert_int_equal(st.st_mode, VFS_S_IFDIR | 0755);
	assert_int_equal(st.st_nlink, 3);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/dev/null", &st), 0);
	assert_int_equal(st.st_mode, VFS_S_IFCHR | 0666);
	assert_int_equal(vfs_stat(&ns->vfs, "/", "/boot/bin/app", &st), 0);
	assert_int_equal(st.st_mode, VFS_S_IFREG | 0755);
	assert_int_equal(st.st_size, 6);
}

static void test_devfs(void **state)
{
	struct ns *ns = *state;
	struct vfs_file *f;
	uint8_t buf[16];

	f = open_or_fail(ns, "/dev/null", VFS_O_RDWR);
	assert_int_equal(vfs_write(f, "abc", 3), 3);
	assert_int_equal(vfs_read(f, buf, sizeof(buf)), 0);
	vfs_file_put(f);
	f = open_or_fail(ns, "/dev/zero", VFS_O_RDONLY);
	memset(buf, 1, sizeof(buf));
	assert_int_equal(vfs_read(f, buf, sizeof(buf)), 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(buf[i], 0);
	vfs_file_put(f);
	for (int k = 0; k < 2; k++) {
		f = open_or_fail(ns, k ? "/dev/random" : "/dev/urandom", VFS_O_RDONLY);
		assert_int_equal(vfs_read(f, buf, 4), 4);
		assert_int_equal(buf[3], 0xa5);
		vfs_file_put(f);
	}
	f = open_or_fail(ns, "/dev/console", VFS_O_RDWR);
	assert_int_equal(vfs_write(f, "hi\n", 3), 3);
	assert_int_equal(vfs_read(f, buf, 4), 0);
	vfs_file_put(f);
	assert_memory_equal(ns->console, "hi\n", 3);
	assert_int_equal(vfs_open(&ns->vfs, "/", "/dev/nope", VFS_O_RDONLY, 0, &f), -ENOENT);
	assert_int_equal(vfs_open(&ns->vfs, "/", "/dev/x", VFS_O_CREAT | VFS_O_RDWR, 0, &f), -EROFS);
}

/* Every allocation failing in turn: a clean error, nothing leaked. */
static void test_out_of_memory(void **state)
{
	struct ns *ns = *state;

	for (long k = 0; k < 8; k++) {
		struct vfs_file *f;
		int rc;

		ns->ca.fail_after = k;
		rc = vfs_open(&ns->vfs, "/", "/tmp/oom", VFS_O_CREAT | VFS_O_WRONLY, 0644, &f);
		ns->ca.fail_after = -1;
		if (rc == 0) {
			vfs_file_put(f);
			assert_int_equal(vfs_unlink(&ns->vfs, "/", "/tmp/oom"), 0);
		} else {
			assert_true(rc == -ENOMEM || rc == -ENOSPC);
		}
	}
}

#define NS_TEST(fn) cmocka_unit_test_setup_teardown(fn, ns_setup, ns_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		NS_TEST(test_resolve),
		NS_TEST(test_name_limits),
		NS_TEST(test_errors),
		NS_TEST(test_rename_moves),
		NS_TEST(test_read_write_seek),
		NS_TEST(test_fdtable),
		NS_TEST(test_getdents64),
		NS_TEST(test_stat_layout),
		NS_TEST(test_devfs),
		NS_TEST(test_out_of_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
