/*
 * bootfs-pack: the launcher's packer of the boot filesystem, in one process.
 *
 *   bootfs-pack OUTPUT ITEM...
 *   bootfs-pack --new-dir TEMPLATE ITEM...
 *     HOST:/GUEST            the host file HOST at the path GUEST
 *     --libraries HOST       the libraries HOST needs, as /lib/NAME
 *
 * --new-dir makes a new directory from TEMPLATE (mkdtemp(3): it ends in
 * XXXXXX), writes the image there as bootfs.img and prints the
 * directory's path; on failure it leaves nothing behind.
 *
 * scripts/carapace runs it on every boot of an application, in place of
 * mktemp: one process where there were readelf, sed, head, mktemp and
 * scripts/mkbootfs, each a process of its own, and together most of a
 * whole run's time (kernel/boot/README.md, "Where a run's time goes").
 * The image is the format of kernel/fs/README.md, byte for byte what
 * scripts/mkbootfs writes for the same files in the same order
 * (tests/unit/test_mkbootfs.py compares them).
 *
 * --libraries follows DT_NEEDED recursively, as the dynamic linker would
 * find each name: the object's DT_RUNPATH or DT_RPATH ($ORIGIN: its
 * directory), LD_LIBRARY_PATH, then the object's own directory. musl's
 * family (libc, libm, libpthread, libdl, librt, the dynamic linker) is
 * the kernel's own and never packed. The dynamic section is read by the
 * kernel's own parser (kernel/elf/), so a file it refuses packs no
 * libraries: the kernel then says what is wrong with it.
 *
 * Exits 0, 1 with one line "bootfs-pack: ..." on stderr, or 2 on bad usage.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <carapace/elf.h>
#include <carapace/vfs.h>

#define GUEST_PATH_MAX 4096 /* as scripts/mkbootfs: a path shorter than this */
#define GUEST_NAME_MAX 255

struct item {
	char *guest;
	char *host;
};

static struct item *items;
static size_t nitems, items_cap;
static char *new_dir;   /* --new-dir: made here, removed on failure */
static char *image;     /* the output, removed on failure */

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fputs("bootfs-pack: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (image != NULL)
		unlink(image);
	if (new_dir != NULL)
		rmdir(new_dir);
	exit(1);
}

static char *copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (c == NULL)
		die("out of memory");
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* Absolute, no empty, "." or ".." component, each at most 255 bytes. */
static bool guest_path_ok(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len < 2 || len >= GUEST_PATH_MAX)
		return false;
	for (const char *s = p + 1;;) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n == 0 || n > GUEST_NAME_MAX || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (e == NULL)
			return true;
		s = e + 1;
	}
}

static bool is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void add(const char *guest, size_t guest_len, const char *host)
{
	char *g = copy(guest, guest_len);

	if (!guest_path_ok(g))
		die("guest path '%s' is not absolute and normalised", g);
	for (size_t i = 0; i < nitems; i++)
		if (strcmp(items[i].guest, g) == 0)
			die("duplicate guest path %s", g);
	if (!is_regular(host))
		die("host file %s does not exist or is not a file", host);
	if (nitems == items_cap) {
		items_cap = items_cap ? 2 * items_cap : 16;
		items = realloc(items, items_cap * sizeof(*items));
		if (items == NULL)
			die("out of memory");
	}
	items[nitems].guest = g;
	items[nitems].host = copy(host, strlen(host));
	nitems++;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	if (f == NULL || fstat(fileno(f), &st) != 0)
		die("cannot read %s: %s", path, strerror(errno));
	*size = (size_t)st.st_size;
	buf = malloc(*size ? *size : 1);
	if (buf == NULL)
		die("out of memory");
	if (fread(buf, 1, *size, f) != *size)
		die("cannot read %s", path);
	fclose(f);
	return buf;
}

/* ---- --libraries: DT_NEEDED, recursively ---- */

static bool libc_family(const char *name)
{
	static const char *const family[] = { "libc.so", "libm.so", "libpthread.so",
					      "libdl.so", "librt.so" };

	for (size_t i = 0; i < sizeof(family) / sizeof(family[0]); i++)
		if (strncmp(name, family[i], strlen(family[i])) == 0)
			return true;
	return strcmp(name, "ld-musl-x86_64.so.1") == 0;
}

static bool already_packed(const char *name)
{
	for (size_t i = 0; i < nitems; i++)
		if (strncmp(items[i].guest, "/lib/", 5) == 0 && strcmp(items[i].guest + 5, name) == 0)
			return true;
	return false;
}

/* dir/name into out when it is a regular file. */
static bool found_in(const char *dir, size_t dir_len, const char *name, char *out, size_t size)
{
	if (dir_len == 0 || (size_t)snprintf(out, size, "%.*s/%s", (int)dir_len, dir, name) >= size)
		return false;
	return is_regular(out);
}

/* Each entry of a ':'-separated list, $ORIGIN (or ${ORIGIN}) replaced by origin. */
static bool found_in_list(const char *list, const char *origin, const char *name,
			  char *out, size_t size)
{
	char dir[PATH_MAX];

	while (list != NULL && *list != '\0') {
		const char *end = strchr(list, ':');
		size_t n = end ? (size_t)(end - list) : strlen(list), len = 0;

		for (size_t i = 0; i < n && len < sizeof(dir) - 1;) {
			const char *tokens[] = { "${ORIGIN}", "$ORIGIN" };
			bool replaced = false;

			for (int t = 0; t < 2 && !replaced; t++) {
				size_t tl = strlen(tokens[t]);

				if (n - i >= tl && memcmp(list + i, tokens[t], tl) == 0) {
					len += (size_t)snprintf(dir + len, sizeof(dir) - len, "%s", origin);
					len = len < sizeof(dir) ? len : sizeof(dir) - 1;
					i += tl;
					replaced = true;
				}
			}
			if (!replaced)
				dir[len++] = list[i++];
		}
		if (found_in(dir, len, name, out, size))
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

static void add_libraries(const char *file)
{
	char err[ELF_ERR_LEN], origin[PATH_MAX], found[PATH_MAX];
	const char *slash = strrchr(file, '/');
	struct elf_object obj;
	size_t size;
	uint8_t *bytes = read_file(file, &size);

	/* A file the kernel's linker refuses needs nothing packed: the kernel
	 * reports it when it loads it. */
	if (elf_parse(&obj, bytes, size, err, sizeof(err)) != 0) {
		free(bytes);
		return;
	}
	/* $ORIGIN: the file's directory, absolute. */
	if (slash == NULL)
		snprintf(found, sizeof(found), ".");
	else if (slash == file)
		snprintf(found, sizeof(found), "/");
	else
		snprintf(found, sizeof(found), "%.*s", (int)(slash - file), file);
	if (realpath(found, origin) == NULL)
		snprintf(origin, sizeof(origin), "%s", found);
	for (unsigned i = 0; i < obj.nneeded; i++) {
		const char *name = elf_string(&obj, obj.needed[i]);
		const char *runpath = obj.runpath >= 0 ? elf_string(&obj, (uint64_t)obj.runpath) : NULL;
		char guest[GUEST_PATH_MAX];

		if (libc_family(name) || already_packed(name))
			continue;
		if (!found_in_list(runpath, origin, name, found, sizeof(found)) &&
		    !found_in_list(getenv("LD_LIBRARY_PATH"), origin, name, found, sizeof(found)) &&
		    !found_in(origin, strlen(origin), name, found, sizeof(found)))
			die("'%s' needs '%s': not found in its DT_RUNPATH or DT_RPATH, "
			    "LD_LIBRARY_PATH or %s", file, name, origin);
		snprintf(guest, sizeof(guest), "/lib/%s", name);
		add(guest, strlen(guest), found);
		add_libraries(found);
	}
	free(bytes);
}

/* ---- the image (kernel/fs/README.md) ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t align_up(uint64_t n)
{
	return (n + BOOTFS_ALIGN - 1) / BOOTFS_ALIGN * BOOTFS_ALIGN;
}

/* A file's path must not be another file's directory. */
static void check_no_file_is_a_directory(void)
{
	for (size_t i = 0; i < nitems; i++)
		for (size_t j = 0; j < nitems; j++) {
			size_t n = strlen(items[j].guest);

			if (i != j && strncmp(items[i].guest, items[j].guest, n) == 0 &&
			    items[i].guest[n] == '/')
				die("%s is a file but %s is under it", items[j].guest, items[i].guest);
		}
}

static void write_image(const char *out)
{
	uint64_t table_end = BOOTFS_HDR_SIZE + (uint64_t)BOOTFS_ENTRY_SIZE * nitems, data_at, pos;
	uint64_t *sizes = calloc(nitems ? nitems : 1, sizeof(*sizes));
	size_t head_size;
	uint8_t *head;
	FILE *f;

	if (sizes == NULL)
		die("out of memory");
	for (size_t i = 0; i < nitems; i++)
		table_end += strlen(items[i].guest) + 1;
	if (table_end > UINT32_MAX)
		die("too many entries for one image");
	data_at = align_up(table_end);
	head_size = (size_t)data_at;
	head = calloc(1, head_size);
	if (head == NULL)
		die("out of memory");
	pos = data_at;
	for (size_t i = 0, name_at = BOOTFS_HDR_SIZE + BOOTFS_ENTRY_SIZE * nitems; i < nitems; i++) {
		uint8_t *e = head + BOOTFS_HDR_SIZE + BOOTFS_ENTRY_SIZE * i;
		struct stat st;

		if (stat(items[i].host, &st) != 0)
			die("cannot read %s: %s", items[i].host, strerror(errno));
		sizes[i] = (uint64_t)st.st_size;
		put32(e, (uint32_t)name_at);
		put32(e + 4, VFS_S_IFREG | (st.st_mode & 0111 ? 0755u : 0644u));
		put64(e + 8, pos);
		put64(e + 16, sizes[i]);
		memcpy(head + name_at, items[i].guest, strlen(items[i].guest) + 1);
		name_at += strlen(items[i].guest) + 1;
		pos = align_up(pos + sizes[i]);
	}
	put32(head, BOOTFS_MAGIC);
	put32(head + 4, BOOTFS_VERSION);
	put32(head + 8, (uint32_t)nitems);
	put32(head + 12, (uint32_t)table_end);
	put64(head + 16, pos);
	f = fopen(out, "wb");
	if (f == NULL || fwrite(head, 1, head_size, f) != head_size)
		die("cannot write %s", out);
	for (size_t i = 0; i < nitems; i++) {
		static const uint8_t zeros[BOOTFS_ALIGN];
		size_t size;
		uint8_t *bytes = read_file(items[i].host, &size);

		if (size != sizes[i])
			die("%s changed while it was packed", items[i].host);
		if (fwrite(bytes, 1, size, f) != size ||
		    fwrite(zeros, 1, align_up(size) - size, f) != align_up(size) - size)
			die("cannot write %s", out);
		free(bytes);
	}
	if (fclose(f) != 0)
		die("cannot write %s", out);
	free(head);
	free(sizes);
}

int main(int argc, char **argv)
{
	int first = 2;

	if (argc >= 3 && strcmp(argv[1], "--new-dir") == 0)
		first = 3;
	else if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bootfs-pack OUTPUT|--new-dir TEMPLATE "
			"[HOST:/GUEST | --libraries HOST]...\n");
		return 2;
	}
	for (int i = first; i < argc; i++) {
		const char *sep;

		if (strcmp(argv[i], "--libraries") == 0) {
			if (++i == argc) {
				fprintf(stderr, "bootfs-pack: --libraries needs a file\n");
				return 2;
			}
			add_libraries(argv[i]);
		} else if ((sep = strstr(argv[i], ":/")) != NULL && sep != argv[i]) {
			char *host = copy(argv[i], (size_t)(sep - argv[i]));

			add(sep + 1, strlen(sep + 1), host);
			free(host);
		} else {
			fprintf(stderr, "bootfs-pack: '%s' is not HOST:/GUEST\n", argv[i]);
			return 2;
		}
	}
	check_no_file_is_a_directory();
	if (first == 3) {
		size_t n = strlen(argv[2]);

		if (mkdtemp(argv[2]) == NULL)
			die("cannot make a directory from %s: %s", argv[2], strerror(errno));
		new_dir = argv[2];
		image = malloc(n + sizeof("/bootfs.img"));
		if (image == NULL)
			die("out of memory");
		memcpy(image, new_dir, n);
		memcpy(image + n, "/bootfs.img", sizeof("/bootfs.img"));
	} else {
		image = argv[1];
	}
	write_image(image);
	if (new_dir != NULL && (printf("%s\n", new_dir) < 0 || fflush(stdout) != 0))
		die("cannot print the directory's path");
	return 0;
}
