/*
 * Loading and starting the application (the image with musl only): read its
 * ELF file from the boot filesystem, place it in the application area,
 * bind its libc references to the kernel's exports, apply W^X permissions,
 * then enter musl's __libc_start_main on a stack of its own, as a Linux
 * kernel would start a process.
 *
 * Not yet: libraries of the application's own (only the libc family of
 * DT_NEEDED names is accepted), thread-local storage in the application,
 * randomised placement (aslr/), running fini functions when the
 * application calls exit() itself.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app.h>
#include <carapace/console.h>
#include <carapace/elf.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/kexports.h>
#include <carapace/memory.h>
#include <carapace/random.h>
#include <carapace/vfs.h>

#include "arch.h"
#include "layout.h"

#define APP_STACK_SIZE  (1024 * 1024)
#define APP_FILE_MAX    (64u << 20)
#define APP_MAX_ARGS    64
#define APP_MAX_INITS   64

/* Auxiliary vector keys (the System V ABI's AT_*). */
#define AT_NULL    0
#define AT_PHDR    3
#define AT_PHENT   4
#define AT_PHNUM   5
#define AT_PAGESZ  6
#define AT_BASE    7
#define AT_ENTRY   9
#define AT_UID     11
#define AT_EUID    12
#define AT_GID     13
#define AT_EGID    14
#define AT_HWCAP   16
#define AT_SECURE  23
#define AT_RANDOM  25
#define AT_EXECFN  31
#define PT_PHDR    6

typedef int (*main_fn)(int, char **, char **);
int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*ldso)(void));

/* musl's program header, as AT_PHDR describes it. */
struct phdr64 {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct app {
	struct elf_object obj;
	uint8_t *file;
	uint64_t base;          /* run-time address of window offset 0 */
	uint64_t main;
	uint64_t inits[APP_MAX_INITS], finis[APP_MAX_INITS];
	size_t ninits, nfinis;
	int argc;
	char **argv;
};

static struct app app;

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

/* Reads the whole file at path into kernel memory. */
static int read_file(const char *path, uint8_t **out, size_t *size, char *err, size_t errlen)
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
	if (rc)
		fmt_snprintf(err, errlen, "cannot read '%s' (error %d)", path, rc);
	else
		*size = (size_t)st.st_size;
	return rc;
}

/* The object itself first, then the kernel's exports. */
static int lookup(void *ctx, const struct elf_object *from, const char *name, unsigned flags,
		  struct elf_symval *out)
{
	const struct kexport *k;
	uint64_t vaddr, size;

	(void)ctx;
	if (!(flags & ELF_LOOKUP_NOT_SELF) && elf_find_symbol(from, name, &vaddr, &size) == 0) {
		out->addr = app.base + (vaddr - from->vbase);
		out->size = size;
		return 0;
	}
	if ((k = kexports_find(name))) {
		out->addr = k->addr;
		out->size = k->size;
		return 0;
	}
	return -ENOENT;
}

static uint64_t run_ifunc(void *ctx, uint64_t resolver)
{
	(void)ctx;
	return ((uint64_t(*)(void))resolver)();
}

/* ELF's segment permissions are Linux's PROT_ bits, as memory.h takes them. */
static unsigned map_prot(unsigned elf_prot)
{
	return ((elf_prot & ELF_PROT_R) ? MEMORY_PROT_READ : 0) |
	       ((elf_prot & ELF_PROT_W) ? MEMORY_PROT_WRITE : 0) |
	       ((elf_prot & ELF_PROT_X) ? MEMORY_PROT_EXEC : 0);
}

/* Places, relocates and protects the object; fills app. */
static int load(const char *path, char *err, size_t errlen)
{
	struct elf_object *obj = &app.obj;
	struct elf_reloc_env env = { 0 };
	size_t file_size, nreloc;
	uint64_t vaddr, size;
	int rc;

	if ((rc = read_file(path, &app.file, &file_size, err, errlen)))
		return rc;
	if ((rc = elf_parse(obj, app.file, file_size, err, errlen)))
		return rc;
	for (unsigned i = 0; i < obj->nneeded; i++) {
		const char *name = elf_string(obj, obj->needed[i]);

		if (!libc_family(name)) {
			fmt_snprintf(err, errlen, "'%s' needs '%s': libraries of an application's "
				     "own cannot be loaded yet", path, name);
			return -ENOSYS;
		}
	}
	if (obj->has_tls) {
		fmt_snprintf(err, errlen, "'%s' has thread-local storage: not supported yet", path);
		return -ENOSYS;
	}
	app.base = (APP_IMAGE_BASE + obj->align - 1) & ~(obj->align - 1);
	if ((rc = memory_map_anon(app.base, obj->span, MEMORY_PROT_READ | MEMORY_PROT_WRITE))) {
		fmt_snprintf(err, errlen, "no room for '%s' (%llu bytes)", path,
			     (unsigned long long)obj->span);
		return rc;
	}
	if ((rc = elf_load(obj, (void *)app.base, obj->span, err, errlen)))
		return rc;
	nreloc = elf_reloc_count(obj);
	env.base = app.base;
	env.lookup = lookup;
	env.ifunc = run_ifunc;
	env.scratch = kcalloc(nreloc ? nreloc : 1, sizeof(uint64_t));
	env.scratch_count = nreloc;
	if (!env.scratch)
		return -ENOMEM;
	rc = elf_relocate(obj, (void *)app.base, &env, err, errlen);
	kfree(env.scratch);
	if (rc)
		return rc;
	/* W^X from the program headers, then RELRO read-only. */
	for (unsigned i = 0; i < obj->nseg; i++) {
		const struct elf_segment *s = &obj->seg[i];

		if ((rc = memory_protect(app.base + s->win_off, s->win_size, map_prot(s->prot))))
			return rc;
	}
	if (obj->relro_size &&
	    (rc = memory_protect(app.base + obj->relro_off, obj->relro_size, MEMORY_PROT_READ)))
		return rc;
	if (elf_find_symbol(obj, "main", &vaddr, &size)) {
		fmt_snprintf(err, errlen, "'%s' has no main", path);
		return -ENOEXEC;
	}
	app.main = app.base + (vaddr - obj->vbase);
	app.ninits = elf_init_list(obj, (void *)app.base, app.base, app.inits, APP_MAX_INITS);
	app.nfinis = elf_fini_list(obj, (void *)app.base, app.base, app.finis, APP_MAX_INITS);
	if (app.ninits > APP_MAX_INITS || app.nfinis > APP_MAX_INITS) {
		fmt_snprintf(err, errlen, "'%s' has more than %d initialisers", path, APP_MAX_INITS);
		return -E2BIG;
	}
	return 0;
}

/*
 * musl calls this as the program's main, once libc is set up: the
 * application's own initialisers run, then its main, then its finalisers.
 */
static int app_main(int argc, char **argv, char **envp)
{
	int status;

	for (size_t i = 0; i < app.ninits; i++)
		((void (*)(void))app.inits[i])();
	status = ((main_fn)app.main)(argc, argv, envp);
	for (size_t i = 0; i < app.nfinis; i++)
		((void (*)(void))app.finis[i])();
	return status;
}

static __attribute__((noreturn)) void enter_libc(void *arg)
{
	(void)arg;
	__libc_start_main(app_main, app.argc, app.argv, NULL, NULL, NULL);
	for (;;)
		; /* __libc_start_main ends in exit() */
}

/* Copies a string onto the stack being built; returns its new address. */
static char *push_string(uint64_t *sp, const char *s)
{
	size_t n = strlen(s) + 1;

	*sp -= n;
	memcpy((void *)*sp, s, n);
	return (char *)*sp;
}

/*
 * Builds what a Linux process finds at start: argv, envp and the auxiliary
 * vector, one after the other, with the strings, 16 random bytes
 * (AT_RANDOM: musl's stack-protector canary) and a program header table for
 * musl (one PT_PHDR: no thread-local storage to set up) above them.
 */
static uint64_t build_stack(uint64_t top, int argc, const char *const *argv, int envc,
			    const char *const *envp)
{
	uint64_t sp = top, *vec;
	char *args[APP_MAX_ARGS + 1], *envs[APP_MAX_ARGS + 1], *execfn;
	uint8_t *rnd;
	struct phdr64 *ph;
	uint32_t r[4];
	int n = 0;

	for (int i = 0; i < argc && i < APP_MAX_ARGS; i++)
		args[i] = push_string(&sp, argv[i]);
	for (int i = 0; i < envc && i < APP_MAX_ARGS; i++)
		envs[i] = push_string(&sp, envp[i]);
	execfn = args[0];
	sp = (sp - 16) & ~15ull;
	rnd = (uint8_t *)sp;
	random_bytes(rnd, 16);
	sp = (sp - sizeof(*ph)) & ~15ull;
	ph = (struct phdr64 *)sp;
	memset(ph, 0, sizeof(*ph));
	ph->type = PT_PHDR;
	ph->vaddr = 0;
	cpuid(1, 0, r);
	/* argc, argv[], NULL, envp[], NULL, the auxv pairs and AT_NULL. */
	sp -= (uint64_t)(1 + argc + 1 + envc + 1 + 2 * 15) * 8;
	sp &= ~15ull;
	vec = (uint64_t *)sp;
	vec[n++] = (uint64_t)argc;
	app.argv = (char **)&vec[n];
	for (int i = 0; i < argc; i++)
		vec[n++] = (uint64_t)args[i];
	vec[n++] = 0;
	for (int i = 0; i < envc; i++)
		vec[n++] = (uint64_t)envs[i];
	vec[n++] = 0;
	{
		const uint64_t aux[][2] = {
			{ AT_PHDR, (uint64_t)ph }, { AT_PHENT, sizeof(*ph) }, { AT_PHNUM, 1 },
			{ AT_PAGESZ, PAGE_SIZE }, { AT_BASE, 0 }, { AT_ENTRY, app.main },
			{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 },
			{ AT_HWCAP, r[3] }, { AT_SECURE, 0 }, { AT_RANDOM, (uint64_t)rnd },
			{ AT_EXECFN, (uint64_t)execfn },
		};

		for (unsigned i = 0; i < sizeof(aux) / sizeof(aux[0]); i++) {
			vec[n++] = aux[i][0];
			vec[n++] = aux[i][1];
		}
	}
	vec[n++] = AT_NULL;
	vec[n++] = 0;
	app.argc = argc;
	return sp - 64; /* room below the vector; the start is a call */
}

/*
 * Loads argv[0] and runs it; returns only on a load error (err says why).
 * The application ends through exit_group, which powers the machine off.
 */
int app_run(int argc, const char *const *argv, int envc, const char *const *envp,
	    char *err, size_t errlen)
{
	uint64_t top, sp;
	int rc;

	if (argc < 1 || argc > APP_MAX_ARGS || envc > APP_MAX_ARGS) {
		fmt_snprintf(err, errlen, "at most %d arguments and %d environment strings",
			     APP_MAX_ARGS, APP_MAX_ARGS);
		return -E2BIG;
	}
	if ((rc = load(argv[0], err, errlen)))
		return rc;
	top = memory_alloc_stack("main-stack", APP_STACK_SIZE);
	if (!top) {
		fmt_snprintf(err, errlen, "no memory for the application's stack");
		return -ENOMEM;
	}
	sp = build_stack(top, argc, argv, envc, envp);
	arch_run_on_stack(sp & ~15ull, enter_libc, NULL);
}
