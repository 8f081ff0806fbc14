/*
 * kexports: the symbols the kernel image exports to applications (portable).
 *
 * The ELF linker resolves an application's references to libc (and to the
 * few kernel symbols the libc family needs) here, last in its lookup order.
 * The build links the image once, keeps every global or weak symbol that
 * musl defines (scripts/gen-kexports, libc/files.mk), and links it again with
 * the table, sorted by name, in the image's last read-only section.
 */
#ifndef CARAPACE_KEXPORTS_H
#define CARAPACE_KEXPORTS_H

#include <stddef.h>
#include <stdint.h>

enum kexport_kind {
	KEXPORT_FUNC = 1,   /* STT_FUNC (code, or an IFUNC-free alias of it) */
	KEXPORT_OBJECT = 2, /* STT_OBJECT (data: stdout, environ, ...) */
};

struct kexport {
	const char *name;
	uint64_t addr;
	uint32_t size;      /* bytes; 0 when the symbol has no size */
	uint32_t kind;      /* enum kexport_kind */
};

struct kexport_table {
	const struct kexport *entries; /* sorted by name, strcmp order, no duplicates */
	size_t count;
};

/* Binary search by name; NULL when t has no such name (or t is NULL). */
const struct kexport *kexports_search(const struct kexport_table *t, const char *name);

/*
 * Kernel only (libc/kexports_find.c): the image's own table. NULL when the
 * name is not exported, and always NULL in an image built without the table.
 */
const struct kexport *kexports_find(const char *name);

#endif
