/*
 * Fuzzes bootfs_mount with arbitrary bytes as the image. The input is
 * copied into an allocation of exactly its size, so ASan catches any read
 * outside it. A refusal must come with a reason and leave nothing
 * allocated; an image that mounts is walked through the VFS: every
 * directory listed with getdents64, every file stat'ed and read to its
 * end, and each read must match the size stat gave.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/vfs.h>

#include "fuzz_alloc.h"

#define MAX_DEPTH 64

static void read_file(struct vfs *vfs, const char *path, const struct linux_stat *st)
{
	static uint8_t buf[4096];
	struct vfs_file *f;
	int64_t n, total = 0;

	CHECK(vfs_open(vfs, "/", path, VFS_O_RDONLY, 0, &f) == 0);
	while ((n = vfs_read(f, buf, sizeof(buf))) > 0)
		total += n;
	CHECK(n == 0 && total == st->st_size);
	CHECK(vfs_write(f, buf, 1) == -EBADF);
	vfs_file_put(f);
}

/* List path (a directory) and visit what it holds. */
static void walk(struct vfs *vfs, char *path, size_t len, int depth)
{
	char buf[512]; /* not static: walk recurses */
	struct vfs_file *d;
	int64_t n;

	CHECK(vfs_open(vfs, "/", len ? path : "/", VFS_O_RDONLY | VFS_O_DIRECTORY,
		       0, &d) == 0);
	while ((n = vfs_getdents64(d, buf, sizeof(buf))) > 0) {
		for (int64_t pos = 0; pos < n;) {
			struct linux_dirent64 h;
			const char *name = buf + pos + VFS_DIRENT64_HDR;
			size_t nlen;
			struct linux_stat st;

			memcpy(&h, buf + pos, VFS_DIRENT64_HDR);
			CHECK(h.d_reclen % 8 == 0 && pos + h.d_reclen <= n);
			pos += h.d_reclen;
			nlen = strlen(name);
			CHECK(nlen > 0 && nlen <= VFS_NAME_MAX);
			if (name[0] == '.' && (nlen == 1 || (nlen == 2 && name[1] == '.')))
				continue;
			if (len + 1 + nlen >= VFS_PATH_MAX)
				continue;
			path[len] = '/';
			memcpy(path + len + 1, name, nlen + 1);
			CHECK(vfs_stat(vfs, "/", path, &st) == 0);
			CHECK((uint64_t)st.st_ino == h.d_ino);
			if (VFS_S_ISDIR(st.st_mode)) {
				CHECK(h.d_type == VFS_DT_DIR);
				if (depth < MAX_DEPTH)
					walk(vfs, path, len + 1 + nlen, depth + 1);
			} else {
				CHECK(h.d_type == VFS_DT_REG);
				read_file(vfs, path, &st);
			}
			path[len] = '\0';
		}
	}
	CHECK(n == 0);
	vfs_file_put(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vfs_alloc alloc = { count_alloc, count_free, NULL };
	uint8_t *image = malloc(size ? size : 1);
	static char path[VFS_PATH_MAX + 1];
	struct bootfs *fs = NULL;
	const char *why = NULL;
	struct vfs vfs;

	memcpy(image, data, size);
	if (bootfs_mount(image, size, &alloc, &fs, &why) != 0) {
		CHECK(why != NULL && fs == NULL && outstanding == 0);
		free(image);
		return 0;
	}
	vfs_init(&vfs, &alloc);
	CHECK(vfs_mount(&vfs, "/", bootfs_root(fs)) == 0);
	path[0] = '\0';
	walk(&vfs, path, 0, 0);
	int rc = vfs_mkdir(&vfs, "/", "/new", 0755);

	CHECK(rc == -EROFS || rc == -EEXIST);
	vfs_destroy(&vfs);
	bootfs_destroy(fs);
	CHECK(outstanding == 0);
	free(image);
	return 0;
}
