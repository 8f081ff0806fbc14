/*
 * ksym: the kernel's own symbol table, for backtraces (portable).
 *
 * The build links the kernel once, lists its function symbols with nm, and
 * links it again with that list (scripts/gen-ksyms) placed as the image's
 * last section, so adding it moves no other symbol. Entries are sorted by
 * address; names are NUL-terminated strings in one blob.
 */
#ifndef CARAPACE_KSYM_H
#define CARAPACE_KSYM_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	uint32_t size;     /* 0 when unknown: then it reaches the next symbol */
	uint32_t name_off; /* offset into the table's names */
};

struct ksym_table {
	const struct ksym *syms;
	size_t count;
	const char *names;
	size_t names_size;
};

/*
 * Finds the symbol that contains addr: the last one whose address is <= addr
 * and, when its size is known, that addr lies inside. Returns its name and
 * sets *offset to addr - symbol address; returns NULL when none matches.
 * A name_off outside names yields NULL, never a read out of bounds.
 */
const char *ksym_lookup(const struct ksym_table *t, uint64_t addr,
			uint64_t *offset);

#endif
