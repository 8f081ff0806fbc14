/*
 * The application's loader: reads the application's ELF file and the
 * libraries it needs (DT_NEEDED) from the filesystem, places each in the
 * application area, lays out one static TLS module for all of them, binds
 * every reference (the object itself, then the loaded objects in load
 * order, then the kernel's exports), and applies W^X and RELRO.
 *
 * The libc family of names (libc.so, libm, libpthread, libdl, librt,
 * ld-musl) is the kernel's musl and is not loaded. A static PIE carries
 * its own libc: it is placed and protected, never relocated here (its own
 * start code relocates it) and gets no TLS from the kernel.
 */
#include <errno.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_load.h>
#include <carapace/aslr.h>
#include <carapace/elf.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/images.h>
#include <carapace/kexports.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/vfs.h>

#define APP_FILE_MAX   (64u << 20)
#define DF_1_PIE       0x08000000

_Static_assert(offsetof(struct app_object, elf) == 0, "lookup() turns an elf_object into its app_object");
_Static_assert(IMAGE_MAX_OBJECTS >= APP_MAX_OBJECTS, "boot/images.c records every object");

/* The last '/' of path, or NULL (the kernel's string.h is minimal). */
static const char *last_slash(const char *path)
{
	const char *last = NULL;

	for (; *path; path++)
		if (*path == '/')
			last = path;
	return last;
}

static const char *const default_dirs[] = { "/lib", "/usr/lib", "/usr/local/lib" };

/* The names of libc that the kernel's exports stand for. */
static bool libc_family(const char *name)
{
	static const char *const prefixes[] = {
		"libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so",
		"ld-musl-x86_64.so.1",
	};

	for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Reads the whole file at path into kernel memory: 0 or -errno. */
static int read_file(const char *path, uint8_t **out, size_t *size)
{
	struct vfs_file *f;
	struct linux_stat st;
	int64_t n = 0;
	int rc;

	fs_lock();
	rc = vfs_open(fs_vfs(), "/", path, VFS_O_RDONLY, 0, &f);
	if (rc == 0) {
		rc = vfs_fstat(f, &st);
		if (rc == 0 && (st.st_size <= 0 || (uint64_t)st.st_size > APP_FILE_MAX))
			rc = -EFBIG;
		if (rc == 0 && !(*out = kmalloc((size_t)st.st_size)))
			rc = -ENOMEM;
		if (rc == 0 && (n = vfs_read(f, *out, (size_t)st.st_size)) != st.st_size) {
			kfree(*out);
			rc = n < 0 ? (int)n : -EIO;
		}
		vfs_file_put(f);
	}
	fs_unlock();
	if (rc == 0)
		*size = (size_t)st.st_size;
	return rc;
}

/* Reads and parses path as the next object of img. */
static int add_object(struct app_image *img, const char *path, char *err, size_t errlen)
{
	struct app_object *o = &img->obj[img->nobj];
	size_t size;
	int rc;

	if (img->nobj == APP_MAX_OBJECTS) {
		fmt_snprintf(err, errlen, "more than %d objects to load", APP_MAX_OBJECTS);
		return -E2BIG;
	}
	if ((rc = read_file(path, &o->file, &size))) {
		fmt_snprintf(err, errlen, "cannot read '%s' (error %d)", path, rc);
		return rc;
	}
	fmt_snprintf(o->path, sizeof(o->path), "%s", path);
	if ((rc = elf_parse(&o->elf, o->file, size, err, errlen))) {
		kfree(o->file); /* the slot is not taken: nothing else frees it */
		o->file = NULL;
		return rc;
	}
	img->nobj++;
	return 0;
}

/* Tries dir/name (dir may hold $ORIGIN): 0 when found and added. */
static int try_dir(struct app_image *img, const struct app_object *from, const char *dir,
		   size_t dirlen, const char *name, char *err, size_t errlen)
{
	char path[APP_PATH_MAX];
	const char *origin = "$ORIGIN";
	size_t olen = strlen(origin);

	if (dirlen >= olen && memcmp(dir, origin, olen) == 0) {
		const char *slash = last_slash(from->path);
		int plen = slash ? (int)(slash - from->path) : 0;

		fmt_snprintf(path, sizeof(path), "%.*s%.*s/%s", plen, from->path,
			     (int)(dirlen - olen), dir + olen, name);
	} else {
		fmt_snprintf(path, sizeof(path), "%.*s/%s", (int)dirlen, dir, name);
	}
	return add_object(img, path, err, errlen); /* -ENOENT: try the next */
}

/* Finds a library: its own path if it has a '/', else DT_RUNPATH, then the default dirs. */
static int load_library(struct app_image *img, const struct app_object *from, const char *name,
			char *err, size_t errlen)
{
	int rc = -ENOENT;

	if (strchr(name, '/'))
		return add_object(img, name, err, errlen);
	if (from->elf.runpath >= 0) {
		const char *p = elf_string(&from->elf, (uint64_t)from->elf.runpath);

		while (*p && rc == -ENOENT) {
			const char *colon = strchr(p, ':');
			size_t n = colon ? (size_t)(colon - p) : strlen(p);

			rc = try_dir(img, from, p, n, name, err, errlen);
			p += n + (p[n] == ':');
		}
	}
	for (unsigned i = 0; rc == -ENOENT && i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++)
		rc = try_dir(img, from, default_dirs[i], strlen(default_dirs[i]), name, err, errlen);
	if (rc == -ENOENT)
		fmt_snprintf(err, errlen, "'%s' needs '%s', found neither in its DT_RUNPATH nor "
			     "in /lib, /usr/lib, /usr/local/lib", from->path, name);
	return rc;
}

/* Whether a library of that DT_NEEDED name is loaded already. */
static bool loaded(const struct app_image *img, const char *name)
{
	for (unsigned i = 1; i < img->nobj; i++) {
		const char *p = img->obj[i].path, *slash = last_slash(p);

		if (strcmp(p, name) == 0 || (slash && strcmp(slash + 1, name) == 0))
			return true;
	}
	return false;
}

/* Breadth first: the application, its libraries, theirs. */
static int load_all(struct app_image *img, const char *path, char *err, size_t errlen)
{
	int rc = add_object(img, path, err, errlen);

	for (unsigned i = 0; rc == 0 && i < img->nobj; i++) {
		const struct app_object *o = &img->obj[i];

		for (unsigned k = 0; rc == 0 && k < o->elf.nneeded; k++) {
			const char *name = elf_string(&o->elf, o->elf.needed[k]);

			if (!libc_family(name) && !loaded(img, name))
				rc = load_library(img, o, name, err, errlen);
		}
	}
	return rc;
}

/* A static PIE: its own start code, no interpreter, no libraries at all. */
static enum app_kind kind_of(const struct elf_object *e)
{
	if (e->entry && !e->has_interp && e->nneeded == 0 && (e->flags_1 & DF_1_PIE))
		return APP_STATIC_PIE;
	if (e->entry && (e->has_interp || (e->flags_1 & DF_1_PIE)))
		return APP_PIE;
	return APP_SHARED;
}

/*
 * Places each object at its own random base between guard pages
 * (mm/app_layout.c; one after the other with aslr=off), copies its
 * segments there and records it (boot/images.c: fault reports name it).
 */
static int place_all(struct app_image *img, char *err, size_t errlen)
{
	for (unsigned i = 0; i < img->nobj; i++) {
		struct app_object *o = &img->obj[i];
		const char *slash = last_slash(o->path);
		int rc = -ENOMEM;

		o->base = app_pick_image_base(slash ? slash + 1 : o->path, o->elf.span, o->elf.align);
		if (o->base)
			rc = memory_map_anon(o->base, o->elf.span, MEMORY_PROT_READ | MEMORY_PROT_WRITE);
		if (rc) {
			fmt_snprintf(err, errlen, "no room for '%s' (%llu bytes)", o->path,
				     (unsigned long long)o->elf.span);
			return rc;
		}
		if ((rc = elf_load(&o->elf, (void *)o->base, o->elf.span, err, errlen)))
			return rc;
		if ((rc = image_add_object(slash ? slash + 1 : o->path, o->base, &o->elf))) {
			fmt_snprintf(err, errlen, "more than %d objects loaded", IMAGE_MAX_OBJECTS);
			return rc;
		}
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * One TLS module for all objects, laid out below the thread pointer as the
 * x86_64 ABI's variant II wants: the application's block right under it
 * (where a PIE's link-time TP offsets expect it), each library's below.
 * Each block is at a multiple of its alignment from the thread pointer,
 * which musl aligns to the module's largest alignment.
 */
static void layout_tls(struct app_image *img)
{
	uint64_t off = 0, align = 1;
	uint64_t below_tp[APP_MAX_OBJECTS] = { 0 };

	for (unsigned i = 0; i < img->nobj; i++) {
		const struct elf_object *e = &img->obj[i].elf;

		if (!e->has_tls)
			continue;
		off = align_up(off + e->tls_memsz, e->tls_align);
		below_tp[i] = off;
		if (e->tls_align > align)
			align = e->tls_align;
	}
	/*
	 * Page-aligned, the module makes musl map the main thread's TLS and
	 * thread block (mmap: a random place) rather than use its buffer in
	 * the kernel image (a fixed place, and the stack canary's home).
	 */
	if (aslr_enabled() && align < PAGE_SIZE)
		align = PAGE_SIZE;
	img->tls_size = align_up(off, align);
	img->tls_align = align;
	for (unsigned i = 0; i < img->nobj; i++)
		img->obj[i].tls_dtp = img->tls_size - below_tp[i];
}

/* The run-time address of an object's address vaddr. */
static uint64_t runtime(const struct app_object *o, uint64_t vaddr)
{
	return o->base + (vaddr - o->elf.vbase);
}

static int find_in(const struct app_object *o, const char *name, unsigned flags,
		   struct elf_symval *out)
{
	uint64_t v;

	if (flags & ELF_LOOKUP_TLS) {
		if (!o->elf.has_tls || elf_find_tls_symbol(&o->elf, name, &v, &out->size))
			return -ENOENT;
		out->addr = o->tls_dtp + v;
		return 0;
	}
	if (elf_find_symbol(&o->elf, name, &v, &out->size))
		return -ENOENT;
	out->addr = runtime(o, v);
	return 0;
}

/* The object itself, the loaded objects in load order, then the kernel's exports. */
static int lookup(void *ctx, const struct elf_object *from, const char *name, unsigned flags,
		  struct elf_symval *out)
{
	const struct app_image *img = ctx;
	/* from is the elf member, the first, of one of img's objects. */
	const struct app_object *self = (const struct app_object *)from;
	const struct kexport *k;

	if (!(flags & ELF_LOOKUP_NOT_SELF) && find_in(self, name, flags, out) == 0)
		return 0;
	for (unsigned i = 0; i < img->nobj; i++)
		if (&img->obj[i] != self && find_in(&img->obj[i], name, flags, out) == 0)
			return 0;
	if (flags & ELF_LOOKUP_TLS)
		return -ENOENT; /* musl in the kernel has no thread-local variables */
	if (strcmp(name, "__libc_start_main") == 0) {
		/* A PIE's _start: the kernel runs its initialisers, then its main. */
		out->addr = img->libc->start_main;
		out->size = 0;
		return 0;
	}
	if (img->libc->find && (k = img->libc->find(name))) {
		out->addr = k->addr;
		out->size = k->size;
		return 0;
	}
	return -ENOENT;
}

/* An IFUNC resolver's answer is called as code: it must be executable text. */
static int run_ifunc(void *ctx, uint64_t resolver, uint64_t *target)
{
	(void)ctx;
	*target = ((uint64_t(*)(void))resolver)();
	return image_in_text(*target) ? 0 : -ENOEXEC;
}

/* Every relocation but IRELATIVE (run_ifuncs, once the text is executable). */
static int relocate(struct app_image *img, struct app_object *o, char *err, size_t errlen)
{
	size_t n = elf_reloc_count(&o->elf);
	struct elf_reloc_env env = {
		.base = o->base, .lookup = lookup, .lookup_ctx = img, .ifunc = run_ifunc,
		.tls_modid = 1, .tls_dtp_base = o->tls_dtp,
		.tls_offset = img->tls_size - o->tls_dtp,
		.scratch = kcalloc(n ? n : 1, sizeof(uint64_t)), .scratch_count = n,
	};
	char why[ELF_ERR_LEN];
	int rc;

	if (!env.scratch)
		return -ENOMEM;
	rc = elf_relocate(&o->elf, (void *)o->base, &env, why, sizeof(why));
	kfree(env.scratch);
	if (rc)
		fmt_snprintf(err, errlen, "%s: %s", o->path, why);
	return rc;
}

static int run_ifuncs(struct app_object *o, char *err, size_t errlen)
{
	struct elf_reloc_env env = { .base = o->base, .ifunc = run_ifunc };
	char why[ELF_ERR_LEN];
	int rc = elf_relocate_ifuncs(&o->elf, (void *)o->base, &env, why, sizeof(why));

	if (rc)
		fmt_snprintf(err, errlen, "%s: %s", o->path, why);
	return rc;
}

/* The module's image: each object's tdata (relocated) at its place, tbss zero. */
static int build_tls_image(struct app_image *img)
{
	uint8_t *raw;

	if (!img->tls_size)
		return 0;
	if (!(raw = kcalloc(1, img->tls_size + img->tls_align)))
		return -ENOMEM;
	img->tls_image = (uint8_t *)align_up((uint64_t)raw, img->tls_align);
	for (unsigned i = 0; i < img->nobj; i++) {
		const struct app_object *o = &img->obj[i];

		if (o->elf.has_tls)
			memcpy(img->tls_image + o->tls_dtp, (const void *)runtime(o, o->elf.tls_vaddr),
			       o->elf.tls_filesz);
	}
	return 0;
}

/* ELF's segment permissions are Linux's PROT_ bits, as memory.h takes them. */
static unsigned map_prot(unsigned elf_prot)
{
	return ((elf_prot & ELF_PROT_R) ? MEMORY_PROT_READ : 0) |
	       ((elf_prot & ELF_PROT_W) ? MEMORY_PROT_WRITE : 0) |
	       ((elf_prot & ELF_PROT_X) ? MEMORY_PROT_EXEC : 0);
}

/* W^X from the program headers: text RX, rodata R, data RW. */
static int protect_segments(const struct app_object *o)
{
	int rc;

	for (unsigned i = 0; i < o->elf.nseg; i++) {
		const struct elf_segment *s = &o->elf.seg[i];

		if ((rc = memory_protect(o->base + s->win_off, s->win_size, map_prot(s->prot))))
			return rc;
	}
	return 0;
}

/* RELRO read-only, once relocated (a static PIE does it itself). */
static int protect_relro(const struct app_object *o)
{
	if (!o->elf.relro_size)
		return 0;
	return memory_protect(o->base + o->elf.relro_off, o->elf.relro_size, MEMORY_PROT_READ);
}

/* Initialisers: the deepest library first, the application last; finalisers reversed. */
static int list_inits(struct app_image *img, char *err, size_t errlen)
{
	size_t ni = 0, nf = 0;

	for (unsigned k = img->nobj; k-- > 0;) {
		const struct app_object *o = &img->obj[k];

		ni += elf_init_list(&o->elf, (void *)o->base, o->base, img->inits + ni,
				    ni < APP_MAX_INITS ? APP_MAX_INITS - ni : 0);
		if (ni > APP_MAX_INITS)
			break;
	}
	for (unsigned k = 0; k < img->nobj && ni <= APP_MAX_INITS; k++) {
		const struct app_object *o = &img->obj[k];

		nf += elf_fini_list(&o->elf, (void *)o->base, o->base, img->finis + nf,
				    nf < APP_MAX_INITS ? APP_MAX_INITS - nf : 0);
		if (nf > APP_MAX_INITS)
			break;
	}
	if (ni > APP_MAX_INITS || nf > APP_MAX_INITS) {
		fmt_snprintf(err, errlen, "more than %d initialisers or finalisers", APP_MAX_INITS);
		return -E2BIG;
	}
	img->ninits = ni;
	img->nfinis = nf;
	return 0;
}

int app_load(struct app_image *img, const struct app_libc *libc, const char *path,
	     char *err, size_t errlen)
{
	struct app_object *app = &img->obj[0];
	uint64_t v, size;
	int rc;

	img->libc = libc;
	if ((rc = load_all(img, path, err, errlen)))
		return rc;
	img->kind = kind_of(&app->elf);
	if (img->kind == APP_STATIC_PIE && !app->elf.phdr_vaddr) {
		fmt_snprintf(err, errlen, "'%s': a static PIE whose program headers are not "
			     "loaded cannot find itself", path);
		return -ENOEXEC;
	}
	if ((rc = place_all(img, err, errlen)))
		return rc;
	if (img->kind != APP_STATIC_PIE) {
		layout_tls(img);
		for (unsigned i = 0; i < img->nobj; i++)
			if ((rc = relocate(img, &img->obj[i], err, errlen)))
				return rc;
	}
	/*
	 * The text is made executable (and no longer writable) before any of
	 * it runs: the IFUNC resolvers, libraries first, as they may call
	 * into the libraries; then what the relocations wrote is sealed.
	 */
	for (unsigned i = 0; i < img->nobj; i++)
		if ((rc = protect_segments(&img->obj[i])))
			return rc;
	if (img->kind != APP_STATIC_PIE) {
		for (unsigned i = img->nobj; i-- > 0;)
			if ((rc = run_ifuncs(&img->obj[i], err, errlen)))
				return rc;
		if ((rc = build_tls_image(img)))
			return rc;
		for (unsigned i = 0; i < img->nobj; i++)
			if ((rc = protect_relro(&img->obj[i])))
				return rc;
	}
	if (img->kind == APP_SHARED) {
		if (elf_find_symbol(&app->elf, "main", &v, &size)) {
			fmt_snprintf(err, errlen, "'%s' has no main (nor an entry point)", path);
			return -ENOEXEC;
		}
		img->main = runtime(app, v);
		if (!image_in_text(img->main)) {
			fmt_snprintf(err, errlen, "'%s': main at %#llx lies outside executable "
				     "text", path, (unsigned long long)v);
			return -ENOEXEC;
		}
	} else {
		img->entry = runtime(app, app->elf.entry);
	}
	return img->kind == APP_STATIC_PIE ? 0 : list_inits(img, err, errlen);
}
