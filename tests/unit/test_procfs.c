/*
 * Tests for kernel/fs/procfs.c through the VFS: files and implied
 * directories from the table, text made at each read (a changing
 * generator shows its new value), reads at offsets and past the end, the
 * 4096-byte cut, a generator's error passed on, no writes (-EROFS), a
 * table refused for each bad path, no memory left behind, and a root laid
 * over a lower directory (/etc: its files win, readdir lists each name once).
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

#include <carapace/procfs.h>
#include <carapace/vfs.h>

#include "fs_helpers.h"

static int calls;

static int gen_counter(char *buf, size_t len)
{
	return snprintf(buf, len, "calls %d\n", ++calls);
}

static int gen_big(char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		buf[i] = (char)('a' + i % 26);
	if (len)
		buf[len - 1] = '\0';
	return 4 * PROCFS_FILE_MAX; /* longer than any buffer procfs gives */
}

static int gen_error(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return -EIO;
}

static const struct procfs_entry table[] = {
	{ "net/classifier", gen_counter },
	{ "net/big", gen_big },
	{ "broken", gen_error },
};

struct env {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct procfs proc;
};

static void env_init(struct env *e)
{
	e->alloc = counting_alloc_init(&e->ca);
	vfs_init(&e->vfs, &e->alloc);
	assert_int_equal(procfs_init(&e->proc, table, 3, &e->alloc), 0);
	assert_int_equal(vfs_mount(&e->vfs, "/", procfs_root(&e->proc)), 0);
}

static void env_done(struct env *e)
{
	vfs_destroy(&e->vfs);
	assert_int_equal(e->ca.outstanding, 0);
}

static int64_t read_at(struct env *e, const char *path, char *buf, size_t n, int64_t off)
{
	struct vfs_file *f;
	int64_t got;

	assert_int_equal(vfs_open(&e->vfs, "/", path, VFS_O_RDONLY, 0, &f), 0);
	got = vfs_pread(f, buf, n, off);
	vfs_file_put(f);
	return got;
}

static void test_procfs_reads(void **state)
{
	struct env e;
	char buf[PROCFS_FILE_MAX + 4096];
	int64_t n;

	(void)state;
	env_init(&e);
	calls = 0;
	n = read_at(&e, "/net/classifier", buf, sizeof(buf), 0);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "calls 1\n", 8);
	n = read_at(&e, "/net/classifier", buf, sizeof(buf), 0);
	assert_memory_equal(buf, "calls 2\n", 8);   /* made again at each read */
	n = read_at(&e, "/net/classifier", buf, 3, 4);
	assert_int_equal(n, 3);
	assert_memory_equal(buf, "s 3", 3);
	assert_int_equal(read_at(&e, "/net/classifier", buf, sizeof(buf), 8), 0);
	assert_int_equal(read_at(&e, "/net/classifier", buf, sizeof(buf), 1 << 20), 0);
	n = read_at(&e, "/net/big", buf, sizeof(buf), 0);
	assert_int_equal(n, PROCFS_FILE_MAX - 1);
	assert_int_equal(read_at(&e, "/broken", buf, sizeof(buf), 0), -EIO);
	env_done(&e);
}

static void test_procfs_tree(void **state)
{
	struct env e;
	struct vfs_file *f;
	struct linux_stat st;
	char dents[1024];
	int64_t n;
	int names = 0;

	(void)state;
	env_init(&e);
	assert_int_equal(vfs_stat(&e.vfs, "/", "/net", &st), 0);
	assert_true(VFS_S_ISDIR(st.st_mode));
	assert_int_equal(vfs_stat(&e.vfs, "/", "/net/classifier", &st), 0);
	assert_true(VFS_S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0444);
	assert_int_equal(vfs_open(&e.vfs, "/", "/net", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
	while ((n = vfs_getdents64(f, dents, sizeof(dents))) > 0) {
		for (int64_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(dents + off);

			names += strcmp(d->d_name, "classifier") == 0 || strcmp(d->d_name, "big") == 0;
			off += d->d_reclen;
		}
	}
	vfs_file_put(f);
	assert_int_equal(names, 2);
	assert_int_equal(vfs_open(&e.vfs, "/", "/net/missing", VFS_O_RDONLY, 0, &f), -ENOENT);
	assert_int_equal(vfs_open(&e.vfs, "/", "/net/classifier", VFS_O_WRONLY, 0, &f), -EROFS);
	assert_int_equal(vfs_open(&e.vfs, "/", "/new", VFS_O_CREAT | VFS_O_RDWR, 0644, &f), -EROFS);
	assert_int_equal(vfs_mkdir(&e.vfs, "/", "/dir", 0755), -EROFS);
	assert_int_equal(vfs_unlink(&e.vfs, "/", "/broken"), -EROFS);
	env_done(&e);
}

/* Writes text to a new file at path. */
static void put_file(struct vfs *vfs, const char *path, const char *text)
{
	struct vfs_file *f;

	assert_int_equal(vfs_open(vfs, "/", path, VFS_O_CREAT | VFS_O_WRONLY, 0644, &f), 0);
	assert_int_equal(vfs_write(f, text, strlen(text)), (int64_t)strlen(text));
	vfs_file_put(f);
}

static void test_procfs_lower(void **state)
{
	static const struct procfs_entry etc[] = {
		{ "hosts", gen_counter },
		{ "resolv.conf", gen_counter },
	};
	struct counting_alloc ca;
	struct vfs_alloc alloc = counting_alloc_init(&ca);
	struct vfs vfs;
	struct ramfs *root;
	struct procfs proc;
	struct vfs_file *dir, *f;
	char buf[64], dents[1024];
	int64_t n;
	int hosts = 0, resolv = 0, passwd = 0;

	(void)state;
	vfs_init(&vfs, &alloc);
	assert_int_equal(ramfs_new(&alloc, 1 << 20, &root), 0);
	assert_int_equal(vfs_mount(&vfs, "/", ramfs_root(root)), 0);
	assert_int_equal(vfs_mkdir(&vfs, "/", "/etc", 0755), 0);
	put_file(&vfs, "/etc/hosts", "packed\n");
	put_file(&vfs, "/etc/passwd", "root:x:0:0::/:/bin/sh\n");
	assert_int_equal(vfs_open(&vfs, "/", "/etc", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &dir), 0);
	assert_int_equal(procfs_init(&proc, etc, 2, &alloc), 0);
	procfs_set_lower(&proc, dir->vn);
	assert_int_equal(vfs_mount(&vfs, "/etc", procfs_root(&proc)), 0);
	calls = 0;
	assert_int_equal(vfs_open(&vfs, "/", "/etc/hosts", VFS_O_RDONLY, 0, &f), 0);
	n = vfs_pread(f, buf, sizeof(buf), 0);
	vfs_file_put(f);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "packed\n", 7); /* the lower file, not the generator */
	assert_int_equal(calls, 0);
	assert_int_equal(vfs_open(&vfs, "/", "/etc/resolv.conf", VFS_O_RDONLY, 0, &f), 0);
	n = vfs_pread(f, buf, sizeof(buf), 0);
	vfs_file_put(f);
	assert_int_equal(n, 8);
	assert_memory_equal(buf, "calls 1\n", 8);
	assert_int_equal(vfs_open(&vfs, "/", "/etc/passwd", VFS_O_RDONLY, 0, &f), 0);
	vfs_file_put(f);
	assert_int_equal(vfs_open(&vfs, "/", "/etc/missing", VFS_O_RDONLY, 0, &f), -ENOENT);
	assert_int_equal(vfs_open(&vfs, "/", "/etc", VFS_O_RDONLY | VFS_O_DIRECTORY, 0, &f), 0);
	while ((n = vfs_getdents64(f, dents, sizeof(dents))) > 0) {
		for (int64_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(dents + off);

			hosts += strcmp(d->d_name, "hosts") == 0;
			resolv += strcmp(d->d_name, "resolv.conf") == 0;
			passwd += strcmp(d->d_name, "passwd") == 0;
			off += d->d_reclen;
		}
	}
	vfs_file_put(f);
	assert_int_equal(hosts, 1);
	assert_int_equal(resolv, 1);
	assert_int_equal(passwd, 1);
	vfs_file_put(dir);
	vfs_destroy(&vfs);
	ramfs_destroy(root);
	assert_int_equal(ca.outstanding, 0);
}

static void test_procfs_bad_tables(void **state)
{
	static const char *const bad[] = {
		"", "/abs", "a//b", "a/", "a/./b", "../x",
		"a_name_of_thirty_two_bytes_long_", "net/classifier/x", "net",
	};
	struct counting_alloc ca;
	struct vfs_alloc alloc = counting_alloc_init(&ca);
	struct procfs p;
	struct procfs_entry many[PROCFS_NODES];
	char names[PROCFS_NODES][8];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct procfs_entry t[2] = { { "net/classifier", gen_counter }, { bad[i], gen_counter } };

		assert_int_equal(procfs_init(&p, t, 2, &alloc), -EINVAL);
	}
	struct procfs_entry twice[2] = { { "x", gen_counter }, { "x", gen_counter } };
	assert_int_equal(procfs_init(&p, twice, 2, &alloc), -EINVAL);
	struct procfs_entry no_fn[1] = { { "x", NULL } };
	assert_int_equal(procfs_init(&p, no_fn, 1, &alloc), -EINVAL);
	for (int i = 0; i < PROCFS_NODES; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		many[i] = (struct procfs_entry){ names[i], gen_counter };
	}
	assert_int_equal(procfs_init(&p, many, PROCFS_NODES - 1, &alloc), 0);
	assert_int_equal(procfs_init(&p, many, PROCFS_NODES, &alloc), -ENOSPC);
	assert_int_equal(ca.outstanding, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs_reads),
		cmocka_unit_test(test_procfs_tree),
		cmocka_unit_test(test_procfs_lower),
		cmocka_unit_test(test_procfs_bad_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
