/*
 * Starting the application (the image with musl only): app_load.c reads
 * and links it; this file builds the stack a Linux process starts with
 * (argv, envp, the auxiliary vector) and enters it:
 *
 *   - a shared object: musl's __libc_start_main, with app_main as main;
 *   - a PIE: its own _start, whose call to __libc_start_main is bound to
 *     app_libc_start_main, which does the same;
 *   - a static PIE: its own _start, and from there its own libc, through
 *     the system call layer alone.
 *
 * app_main runs the initialisers of the application and its libraries,
 * registers their finalisers with atexit (so they also run when the
 * application calls exit() itself), then calls main.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app.h>
#include <carapace/app_load.h>
#include <carapace/arch.h>
#include <carapace/boot.h>
#include <carapace/clock.h>
#include <carapace/console.h>
#include <carapace/elf.h>
#include <carapace/fmt.h>
#include <carapace/fs.h>
#include <carapace/hardening.h>
#include <carapace/kexports.h>
#include <carapace/layout.h>
#include <carapace/memory.h>

/* musl's entry, and the kernel's stand-in that PIE applications are bound to. */
typedef int (*app_main_fn)(int, char **, char **);
int __libc_start_main(app_main_fn main, int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*ldso)(void));
int app_libc_start_main(app_main_fn main, int argc, char **argv, void (*init)(void),
			void (*fini)(void), void (*ldso)(void));

#define APP_STACK_SIZE  (1024 * 1024)
#define APP_MAX_ARGS    64

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

int atexit(void (*fn)(void)); /* musl's */

static struct app_image app;
static app_main_fn app_main_of_pie;
static int app_argc;
static char **app_argv;

static void run_finis(void)
{
	for (size_t i = 0; i < app.nfinis; i++)
		((void (*)(void))app.finis[i])();
}

/* The loaded objects bind to musl in this image through its export table. */
static const struct app_libc kernel_libc = {
	.find = kexports_find,
	.start_main = (uint64_t)app_libc_start_main,
};

/*
 * musl calls this as the program's main, once libc is set up: the
 * initialisers of the application and its libraries run, then its main;
 * the finalisers run at exit (return from main or exit()), after the
 * functions the application registered itself.
 */
static int app_main(int argc, char **argv, char **envp)
{
	app_main_fn main = app.kind == APP_PIE ? app_main_of_pie : (app_main_fn)app.main;

	uint64_t ns = clock_ns();

	boot_step("app-stack-libc-init");
	boot_steps_print();
	/* make bench reads this line (boot option verbose). */
	klog("app: boot to main %llu.%03llu us\n", (unsigned long long)(ns / 1000),
	     (unsigned long long)(ns % 1000));
	for (size_t i = 0; i < app.ninits; i++)
		((void (*)(void))app.inits[i])();
	if (app.nfinis)
		atexit(run_finis);
	return main(argc, argv, envp);
}

/* What a PIE's _start calls (bound by app_load.c's lookup). */
int app_libc_start_main(app_main_fn main, int argc, char **argv, void (*init)(void),
			void (*fini)(void), void (*ldso)(void))
{
	app_main_of_pie = main;
	return __libc_start_main(app_main, argc, argv, init, fini, ldso);
}

static __attribute__((noreturn)) void enter_libc(void *arg)
{
	(void)arg;
	__libc_start_main(app_main, app_argc, app_argv, NULL, NULL, NULL);
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
 * The program headers musl's start-up reads through AT_PHDR. For a static
 * PIE, its own (loaded with it). Otherwise a table the kernel makes: a
 * PT_PHDR that says where the table is (so the load bias musl computes is
 * 0) and a PT_TLS describing the TLS module app_load.c built (maybe
 * empty): musl's static TLS then gives every thread its copy of it.
 */
static uint64_t push_phdrs(uint64_t *sp, unsigned *count)
{
	const struct app_object *o = &app.obj[0];
	struct elf64_phdr *ph;

	if (app.kind == APP_STATIC_PIE) {
		*count = o->elf.phnum;
		return o->base + (o->elf.phdr_vaddr - o->elf.vbase);
	}
	*sp = (*sp - 2 * sizeof(*ph)) & ~15ull;
	ph = (struct elf64_phdr *)*sp;
	memset(ph, 0, 2 * sizeof(*ph));
	ph[0].type = PT_PHDR;
	ph[0].flags = PF_R;
	ph[0].vaddr = (uint64_t)ph;
	ph[0].filesz = ph[0].memsz = 2 * sizeof(*ph);
	/* Always: its alignment alone decides where musl puts the main thread's block. */
	ph[1].type = PT_TLS;
	ph[1].flags = PF_R;
	ph[1].vaddr = (uint64_t)app.tls_image;
	ph[1].filesz = ph[1].memsz = app.tls_size;
	ph[1].align = app.tls_align;
	*count = 2;
	return (uint64_t)ph;
}

/*
 * Builds what a Linux process finds at start, from the top of its stack
 * down: the strings, 16 random bytes (AT_RANDOM: libc's stack-protector
 * canary), the program headers; then at the returned stack pointer argc,
 * argv[], NULL, envp[], NULL and the auxiliary vector.
 */
static uint64_t build_stack(uint64_t top, int argc, const char *const *argv, int envc,
			    const char *const *envp)
{
	uint64_t sp = top, *vec, phdr;
	char *args[APP_MAX_ARGS + 1], *envs[APP_MAX_ARGS + 1];
	unsigned phnum;
	uint8_t *rnd;
	uint32_t r[4];
	int n = 0;

	for (int i = 0; i < argc; i++)
		args[i] = push_string(&sp, argv[i]);
	for (int i = 0; i < envc; i++)
		envs[i] = push_string(&sp, envp[i]);
	sp = (sp - 16) & ~15ull;
	rnd = (uint8_t *)sp;
	hardening_at_random(rnd); /* random, or OSv's constant with canary=constant */
	phdr = push_phdrs(&sp, &phnum);
	cpuid(1, 0, r);
	{
		const uint64_t aux[][2] = {
			{ AT_PHDR, phdr }, { AT_PHENT, sizeof(struct elf64_phdr) }, { AT_PHNUM, phnum },
			{ AT_PAGESZ, PAGE_SIZE }, { AT_BASE, 0 },
			{ AT_ENTRY, app.kind == APP_SHARED ? app.main : app.entry },
			{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 },
			{ AT_HWCAP, r[3] }, { AT_SECURE, 0 }, { AT_RANDOM, (uint64_t)rnd },
			{ AT_EXECFN, (uint64_t)args[0] }, { AT_NULL, 0 },
		};
		size_t naux = sizeof(aux) / sizeof(aux[0]);

		sp -= (uint64_t)(1 + argc + 1 + envc + 1 + 2 * naux) * 8;
		sp &= ~15ull;
		vec = (uint64_t *)sp;
		vec[n++] = (uint64_t)argc;
		app_argv = (char **)&vec[n];
		for (int i = 0; i < argc; i++)
			vec[n++] = (uint64_t)args[i];
		vec[n++] = 0;
		for (int i = 0; i < envc; i++)
			vec[n++] = (uint64_t)envs[i];
		vec[n++] = 0;
		for (size_t i = 0; i < naux; i++) {
			vec[n++] = aux[i][0];
			vec[n++] = aux[i][1];
		}
	}
	app_argc = argc;
	return sp;
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
	if ((rc = app_load(&app, &kernel_libc, argv[0], err, errlen)))
		return rc;
	fs_app_set_exe(argv[0]);
	fs_app_set_cmdline(argc, argv);
	boot_step("app-load");
	top = memory_alloc_main_stack(APP_STACK_SIZE);
	if (!top) {
		fmt_snprintf(err, errlen, "no memory for the application's stack");
		return -ENOMEM;
	}
	sp = build_stack(top, argc, argv, envc, envp);
	if (app.kind == APP_SHARED)
		arch_run_on_stack(sp - 64, enter_libc, NULL); /* room below the vector */
	arch_enter_at(app.entry, sp);
}
