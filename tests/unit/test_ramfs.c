/*
 * Tests for kernel/fs/ramfs.c through the VFS: files across chunk
 * boundaries, holes, truncation, the byte limit (-ENOSPC), the file size
 * limit that comes with it (-EFBIG, no huge chunk array), open files that
 * outlive their name, a deep tree freed without recursion, and a seeded
 * random run of namespace and data operations checked against a simple
 * model (a table of 12 paths, each absent, a directory or a file).
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

struct env {
	struct counting_alloc ca;
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct ramfs *fs;
};

static void env_init(struct env *e, uint64_t max_bytes)
{
	e->alloc = counting_alloc_init(&e->ca);
	vfs_init(&e->vfs, &e->alloc);
	assert_int_equal(ramfs_new(&e->alloc, max_bytes, &e->fs), 0);
	assert_int_equal(vfs_mount(&e->vfs, "/", ramfs_root(e->fs)), 0);
}

static void env_done(struct env *e)
{
	vfs_destroy(&e->vfs);
	ramfs_destroy(e->fs);
	assert_int_equal(e->ca.outstanding, 0);
}

static struct vfs_file *open_rw(struct env *e, const char *path)
{
	struct vfs_file *f;

	assert_int_equal(vfs_open(&e->vfs, "/", path, VFS_O_RDWR | VFS_O_CREAT, 0644, &f), 0);
	return f;
}

static void test_chunks_and_holes(void **state)
{
	struct env e;
	struct vfs_file *f;
	static uint8_t big[3 * 4096 + 100], back[sizeof(big) + 10];
	struct linux_stat st;

	(void)state;
	env_init(&e, 0);
	f = open_rw(&e, "/f");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(vfs_pwrite(f, big, sizeof(big), 4000), sizeof(big));
	memset(back, 0xff, sizeof(back));
	assert_int_equal(vfs_pread(f, back, sizeof(back), 3990), sizeof(big) + 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(back[i], 0);
	assert_memory_equal(back + 10, big, sizeof(big));
	/* Shrink into a chunk, grow again: the cut-off bytes read as zero. */
	assert_int_equal(vfs_ftruncate(f, 5000), 0);
	assert_int_equal(vfs_ftruncate(f, 9000), 0);
	assert_int_equal(vfs_pread(f, back, 4000, 4990), 4000);
	assert_memory_equal(back, big + 990, 10);
	for (int i = 10; i < 4000; i++)
		assert_int_equal(back[i], 0);
	/* A hole far out costs only the chunk written. */
	assert_int_equal(vfs_pwrite(f, "z", 1, 1 << 30), 1);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.st_size, (1 << 30) + 1);
	assert_int_equal(vfs_pread(f, back, 2, 1 << 29), 2);
	assert_int_equal(back[0], 0);
	assert_int_equal(vfs_ftruncate(f, 0), 0);
	assert_int_equal(vfs_pread(f, back, 2, 0), 0);
	vfs_file_put(f);
	env_done(&e);
}

static void test_space_limit(void **state)
{
	struct env e;
	struct vfs_file *f;
	static uint8_t buf[64 * 1024];
	int64_t n;

	(void)state;
	env_init(&e, 32 * 1024);
	f = open_rw(&e, "/f");
	n = vfs_write(f, buf, sizeof(buf));
	assert_true(n > 0 && n < (int64_t)sizeof(buf) && n % 4096 == 0);
	assert_int_equal(vfs_write(f, buf, sizeof(buf)), -ENOSPC);
	/* Freeing space makes room again. */
	assert_int_equal(vfs_ftruncate(f, 0), 0);
	assert_int_equal(vfs_mkdir(&e.vfs, "/", "/d", 0755), 0);
	vfs_file_put(f);
	env_done(&e);
}

/* Remembers the largest single request made of the counting allocator. */
struct largest_alloc {
	struct counting_alloc ca;
	size_t largest;
};

static void *largest_alloc_fn(void *ctx, size_t n)
{
	struct largest_alloc *l = ctx;

	if (n > l->largest)
		l->largest = n;
	return counting_alloc_fn(&l->ca, n);
}

static void largest_free_fn(void *ctx, void *p)
{
	counting_free_fn(&((struct largest_alloc *)ctx)->ca, p);
}

/*
 * With a limit, no file grows past it: a write at 2^39 (lseek+write and
 * pwrite reach vfs_pwrite alike) and a truncate beyond it are -EFBIG, a
 * write across it is cut short, and no single allocation is ever larger
 * than the limit (the chunk array for 2^39 would be 1 GiB).
 */
static void test_file_size_limit(void **state)
{
	const uint64_t limit = 1 << 20, far = 1ull << 39;
	struct largest_alloc l = { .largest = 0 };
	struct vfs_alloc alloc;
	struct vfs vfs;
	struct ramfs *fs;
	struct vfs_file *f;
	struct linux_stat st;

	(void)state;
	(void)counting_alloc_init(&l.ca);
	alloc = (struct vfs_alloc){ largest_alloc_fn, largest_free_fn, &l };
	vfs_init(&vfs, &alloc);
	assert_int_equal(ramfs_new(&alloc, limit, &fs), 0);
	assert_int_equal(vfs_mount(&vfs, "/", ramfs_root(fs)), 0);
	assert_int_equal(vfs_open(&vfs, "/", "/f", VFS_O_RDWR | VFS_O_CREAT, 0644, &f), 0);
	assert_int_equal(vfs_pwrite(f, "x", 1, (int64_t)far), -EFBIG);
	assert_int_equal(vfs_lseek(f, (int64_t)far, 0), (int64_t)far);
	assert_int_equal(vfs_write(f, "x", 1), -EFBIG);
	assert_int_equal(vfs_ftruncate(f, (int64_t)far), -EFBIG);
	assert_int_equal(vfs_ftruncate(f, (int64_t)limit + 1), -EFBIG);
	assert_int_equal(vfs_pwrite(f, "x", 1, (int64_t)limit), -EFBIG);
	assert_int_equal(vfs_pwrite(f, "xyz", 3, (int64_t)limit - 1), 1);
	assert_int_equal(vfs_fstat(f, &st), 0);
	assert_int_equal(st.st_size, limit);
	assert_int_equal(vfs_ftruncate(f, (int64_t)limit), 0);
	assert_true(l.largest <= limit);
	vfs_file_put(f);
	vfs_destroy(&vfs);
	ramfs_destroy(fs);
	assert_int_equal(l.ca.outstanding, 0);
}

static void test_unlinked_open(void **state)
{
	struct env e;
	struct vfs_file *f, *g;
	char buf[8] = { 0 };

	(void)state;
	env_init(&e, 0);
	f = open_rw(&e, "/f");
	assert_int_equal(vfs_write(f, "data", 4), 4);
	g = open_rw(&e, "/g");
	/* Renaming over an open file unlinks it, and it stays readable. */
	assert_int_equal(vfs_rename(&e.vfs, "/", "/g", "/f"), 0);
	assert_int_equal(vfs_pread(f, buf, 4, 0), 4);
	assert_string_equal(buf, "data");
	vfs_file_put(f);
	/* An open directory removed: nothing can be made in it. */
	assert_int_equal(vfs_mkdir(&e.vfs, "/", "/d", 0755), 0);
	assert_int_equal(vfs_open(&e.vfs, "/", "/d", VFS_O_RDONLY, 0, &f), 0);
	assert_int_equal(vfs_rmdir(&e.vfs, "/", "/d"), 0);
	assert_int_equal(f->vn->ops->create(f->vn, "x", VFS_S_IFREG, NULL), -ENOENT);
	assert_int_equal(vfs_getdents64(f, buf, sizeof(buf)), -EINVAL);
	vfs_file_put(f);
	vfs_file_put(g);
	env_done(&e);
}

static void test_deep_tree_destroy(void **state)
{
	struct env e;
	static char cwd[VFS_PATH_MAX] = "/";

	(void)state;
	env_init(&e, 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(vfs_mkdir(&e.vfs, cwd, "d", 0755), 0);
		strcat(cwd, i ? "/d" : "d");
	}
	struct vfs_file *f = open_rw(&e, "d/f");

	vfs_file_put(f);
	env_done(&e);
}

/* The model: paths /x and /x/y for x, y in {a, b, c}. */
#define NPATHS 12
enum kind { NONE, DIR_, FILE_ };
struct model {
	enum kind kind[NPATHS];
	uint8_t *data[NPATHS];
	size_t size[NPATHS];
};

static const char *const paths[NPATHS] = {
	"/a", "/b", "/c", "/a/a", "/a/b", "/a/c", "/b/a", "/b/b", "/b/c",
	"/c/a", "/c/b", "/c/c",
};

static int parent_of(int p)
{
	return p < 3 ? -1 : (p - 3) / 3;
}

static bool has_children(const struct model *m, int p)
{
	for (int i = 3; i < NPATHS; i++)
		if (parent_of(i) == p && m->kind[i] != NONE)
			return true;
	return false;
}

/* What resolving p's parent gives: 0, -ENOENT or -ENOTDIR. */
static int parent_err(const struct model *m, int p)
{
	int d = parent_of(p);

	if (d < 0 || m->kind[d] == DIR_)
		return 0;
	return m->kind[d] == NONE ? -ENOENT : -ENOTDIR;
}

static void model_set_size(struct model *m, int p, size_t size)
{
	m->data[p] = realloc(m->data[p], size ? size : 1);
	if (size > m->size[p])
		memset(m->data[p] + m->size[p], 0, size - m->size[p]);
	m->size[p] = size;
}

static void model_remove(struct model *m, int p)
{
	m->kind[p] = NONE;
	free(m->data[p]);
	m->data[p] = NULL;
	m->size[p] = 0;
}

static int model_mkdir(struct model *m, int p)
{
	int rc = parent_err(m, p);

	if (rc == 0 && m->kind[p] != NONE)
		rc = -EEXIST;
	if (rc == 0)
		m->kind[p] = DIR_;
	return rc;
}

static int model_write(struct model *m, int p, size_t off, const uint8_t *buf,
		       size_t n)
{
	int rc = parent_err(m, p);

	if (rc == 0 && m->kind[p] == DIR_)
		rc = -EISDIR;
	if (rc < 0)
		return rc;
	m->kind[p] = FILE_;
	if (off + n > m->size[p])
		model_set_size(m, p, off + n);
	memcpy(m->data[p] + off, buf, n);
	return 0;
}

static int model_unlink(struct model *m, int p)
{
	int rc = parent_err(m, p);

	if (rc == 0)
		rc = m->kind[p] == NONE ? -ENOENT : m->kind[p] == DIR_ ? -EISDIR : 0;
	if (rc == 0)
		model_remove(m, p);
	return rc;
}

static int model_rmdir(struct model *m, int p)
{
	int rc = parent_err(m, p);

	if (rc == 0)
		rc = m->kind[p] == NONE ? -ENOENT : m->kind[p] == FILE_ ? -ENOTDIR :
		     has_children(m, p) ? -ENOTEMPTY : 0;
	if (rc == 0)
		model_remove(m, p);
	return rc;
}

/* Path from takes the place of path to (whose data goes). */
static void model_move(struct model *m, int from, int to)
{
	free(m->data[to]);
	m->kind[to] = m->kind[from];
	m->data[to] = m->data[from];
	m->size[to] = m->size[from];
	m->kind[from] = NONE;
	m->data[from] = NULL;
	m->size[from] = 0;
}

/* Rename within the table: a directory with children moves only between
 * top-level names (its children keep their depth). */
static int model_rename(struct model *m, int s, int d, bool *skip)
{
	int rc = parent_err(m, s);

	*skip = m->kind[s] == DIR_ && has_children(m, s) && (s >= 3 || d >= 3);
	if (*skip)
		return 0;
	if (rc == 0)
		rc = parent_err(m, d);
	if (rc == 0 && m->kind[s] == NONE)
		rc = -ENOENT;
	if (rc == 0 && s == d)
		return 0;
	if (rc == 0 && parent_of(d) == s)
		rc = -EINVAL;
	if (rc == 0 && m->kind[d] != NONE) {
		if (m->kind[s] == DIR_ && m->kind[d] == FILE_)
			rc = -ENOTDIR;
		else if (m->kind[s] == FILE_ && m->kind[d] == DIR_)
			rc = -EISDIR;
		else if (m->kind[d] == DIR_ && has_children(m, d))
			rc = -ENOTEMPTY;
	}
	if (rc < 0)
		return rc;
	model_move(m, s, d);
	for (int c = 0; c < 3 && s < 3 && d < 3; c++)
		model_move(m, 3 + s * 3 + c, 3 + d * 3 + c);
	return 0;
}

static int fs_write(struct env *e, int p, size_t off, const uint8_t *buf, size_t n)
{
	struct vfs_file *f;
	int rc = vfs_open(&e->vfs, "/", paths[p], VFS_O_WRONLY | VFS_O_CREAT, 0644, &f);

	if (rc < 0)
		return rc;
	assert_int_equal(vfs_pwrite(f, buf, n, (int64_t)off), n);
	vfs_file_put(f);
	return 0;
}

/* The filesystem agrees with the model on every path. */
static void check_all(struct env *e, const struct model *m)
{
	static uint8_t buf[20000];

	for (int p = 0; p < NPATHS; p++) {
		struct linux_stat st;
		int rc = vfs_stat(&e->vfs, "/", paths[p], &st);

		if (m->kind[p] == NONE) {
			assert_true(rc == -ENOENT || rc == -ENOTDIR);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(VFS_S_ISDIR(st.st_mode), m->kind[p] == DIR_);
		if (m->kind[p] == DIR_)
			continue;
		assert_int_equal(st.st_size, m->size[p]);
		struct vfs_file *f;

		assert_int_equal(vfs_open(&e->vfs, "/", paths[p], VFS_O_RDONLY, 0, &f), 0);
		assert_int_equal(vfs_read(f, buf, sizeof(buf)), m->size[p]);
		if (m->size[p] > 0)
			assert_memory_equal(buf, m->data[p], m->size[p]);
		vfs_file_put(f);
	}
}

static void test_random_against_model(void **state)
{
	struct env e;
	struct model m = { 0 };
	static uint8_t buf[9000];
	int done = 0;

	(void)state;
	env_init(&e, 0);
	srand(12345);
	for (int step = 0; step < 20000; step++) {
		int p = rand() % NPATHS, q = rand() % NPATHS;
		int rc, want;
		bool skip = false;

		switch (rand() % 7) {
		case 0:
			want = model_mkdir(&m, p);
			rc = vfs_mkdir(&e.vfs, "/", paths[p], 0755);
			break;
		case 1:
		case 2: {
			size_t off = (size_t)rand() % 9000, n = (size_t)rand() % sizeof(buf);

			for (size_t i = 0; i < n; i++)
				buf[i] = (uint8_t)rand();
			want = model_write(&m, p, off, buf, n);
			rc = fs_write(&e, p, off, buf, n);
			break;
		}
		case 3:
			want = model_unlink(&m, p);
			rc = vfs_unlink(&e.vfs, "/", paths[p]);
			break;
		case 4:
			want = model_rmdir(&m, p);
			rc = vfs_rmdir(&e.vfs, "/", paths[p]);
			break;
		case 5:
			want = model_rename(&m, p, q, &skip);
			rc = skip ? 0 : vfs_rename(&e.vfs, "/", paths[p], paths[q]);
			break;
		default: {
			size_t size = (size_t)rand() % 10000;

			want = parent_err(&m, p);
			if (want == 0)
				want = m.kind[p] == NONE ? -ENOENT :
				       m.kind[p] == DIR_ ? -EISDIR : 0;
			if (want == 0)
				model_set_size(&m, p, size);
			rc = vfs_truncate(&e.vfs, "/", paths[p], size);
			break;
		}
		}
		if (rc != want)
			printf("# step %d: %s %s: %d, model %d\n", step, paths[p], paths[q], rc, want);
		assert_int_equal(rc, want);
		done += rc == 0 && !skip;
		if (step % 100 == 0)
			check_all(&e, &m);
	}
	check_all(&e, &m);
	assert_true(done > 5000); /* most steps did something */
	for (int p = 0; p < NPATHS; p++)
		free(m.data[p]);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunks_and_holes),
		cmocka_unit_test(test_space_limit),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_unlinked_open),
		cmocka_unit_test(test_deep_tree_destroy),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
