/*
 * The application's loader (kernel/elf/app_load.c): the loaded objects, as
 * it leaves them for the start-up code (libc/app.c), which also gives it
 * the kernel's libc to bind them to.
 */
#ifndef CARAPACE_APP_LOAD_H
#define CARAPACE_APP_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/elf.h>
#include <carapace/kexports.h>

#define APP_MAX_OBJECTS 16   /* the application and its own libraries */
#define APP_MAX_INITS   256  /* initialisers (or finalisers) of all objects */
#define APP_PATH_MAX    256

struct app_object {
	struct elf_object elf;
	uint8_t *file;            /* its bytes, kept: the tables are read from them */
	char path[APP_PATH_MAX];  /* where it was found */
	uint64_t base;            /* run-time address of window offset 0 */
	uint64_t tls_dtp;         /* its block's start in the TLS module */
};

/* How the application starts. */
enum app_kind {
	APP_SHARED,     /* a shared object: the kernel calls its main */
	APP_PIE,        /* a PIE: its own _start, bound to the kernel's libc */
	APP_STATIC_PIE, /* a static PIE: its own libc, through the syscall layer */
};

/*
 * What the loaded objects bind to beyond themselves: the kernel's libc.
 * find: a name in its export table (NULL: none); start_main: the address
 * a PIE's call to __libc_start_main is bound to.
 */
struct app_libc {
	const struct kexport *(*find)(const char *name);
	uint64_t start_main;
};

struct app_image {
	struct app_object obj[APP_MAX_OBJECTS]; /* [0]: the application */
	unsigned nobj;
	enum app_kind kind;
	uint64_t main;            /* APP_SHARED: main's address */
	uint64_t entry;           /* APP_PIE, APP_STATIC_PIE: e_entry's address */
	/* The one TLS module of all objects (musl's static TLS): an image
	 * (tdata copied after relocation, tbss zeroed), its size and alignment. */
	uint8_t *tls_image;
	uint64_t tls_size, tls_align;
	/* Initialisers of all objects, libraries first; finalisers in reverse. */
	uint64_t inits[APP_MAX_INITS], finis[APP_MAX_INITS];
	size_t ninits, nfinis;
	const struct app_libc *libc; /* app_load's */
};

/*
 * Loads path and the libraries it needs into img, binding them to libc;
 * 0 or -errno with err set.
 */
int app_load(struct app_image *img, const struct app_libc *libc, const char *path,
	     char *err, size_t errlen);

#endif
