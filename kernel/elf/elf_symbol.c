/*
 * elf_symbol: finds an exported symbol of an object by name. A linear walk
 * over the validated symbol table: bounded by its count, and the same for
 * DT_HASH and DT_GNU_HASH objects. Symbol versions are ignored: the first
 * definition of the name wins. A symbol that would lie outside the image
 * (or outside its TLS block) is not returned.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/elf.h>

#include "elf_impl.h"

static int find(const struct elf_object *obj, const char *name, bool tls_only,
		uint64_t *vaddr, uint64_t *size)
{
	struct elf64_sym s;

	for (uint64_t i = 1; i < obj->symtab.count; i++) {
		elf_read_sym(obj, i, &s);
		if (s.shndx == SHN_UNDEF)
			continue;
		if (ELF_ST_BIND(s.info) != STB_GLOBAL && ELF_ST_BIND(s.info) != STB_WEAK)
			continue;
		if (tls_only && ELF_ST_TYPE(s.info) != STT_TLS)
			continue;
		if (strcmp(elf_string(obj, s.name), name) != 0)
			continue;
		if (ELF_ST_TYPE(s.info) == STT_TLS ?
		    s.value > obj->tls_memsz || s.size > obj->tls_memsz - s.value :
		    elf_segment_of(obj, s.value, s.size) < 0)
			continue;
		*vaddr = s.value;
		*size = s.size;
		return 0;
	}
	return -ENOENT;
}

int elf_find_symbol(const struct elf_object *obj, const char *name,
		    uint64_t *vaddr, uint64_t *size)
{
	return find(obj, name, false, vaddr, size);
}

int elf_find_tls_symbol(const struct elf_object *obj, const char *name,
			uint64_t *offset, uint64_t *size)
{
	return find(obj, name, true, offset, size);
}
