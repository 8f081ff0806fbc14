/*
 * elf_dynamic: validates the dynamic section and everything it points at:
 * the string and symbol tables, the symbol count (from DT_HASH or by
 * walking DT_GNU_HASH), every relocation, the init and fini arrays.
 * After this, elf_load.c and elf_reloc.c need no further checks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/elf.h>

#include "elf_impl.h"

#define MAX_DYN 1024            /* entries in the dynamic section */
#define MAX_SYMS (1u << 20)

/* The raw values of the tags we use; present[] says which were seen. */
struct dyn_values {
	uint64_t val[DT_FLAGS + 1];
	bool present[DT_FLAGS + 1];
	uint64_t gnu_hash;
	bool has_gnu_hash;
};

static uint32_t read32(const struct elf_object *obj, uint64_t off)
{
	uint32_t v;

	memcpy(&v, obj->file + off, sizeof(v));
	return v;
}

/* Where a table given by address lies in the file; 0 or an error. */
static int table_at(const struct elf_object *obj, uint64_t vaddr, uint64_t len,
		    uint64_t *off, const char *what, char *err, size_t errlen)
{
	if (elf_vaddr_to_file(obj, vaddr, len, off) < 0)
		return elf_fail(err, errlen, -ENOEXEC,
				"%s at %#llx (%llu bytes) lies outside the file part of the segments",
				what, (unsigned long long)vaddr, (unsigned long long)len);
	return 0;
}

static int read_dynamic(struct elf_object *obj, struct dyn_values *d,
			uint64_t off, uint64_t size, char *err, size_t errlen)
{
	uint64_t n = size / sizeof(struct elf64_dyn);
	struct elf64_dyn e;

	for (uint64_t i = 0; i < n && i < MAX_DYN; i++) {
		memcpy(&e, obj->file + off + i * sizeof(e), sizeof(e));
		if (e.tag == DT_NULL)
			return 0;
		if (e.tag == DT_NEEDED) {
			if (obj->nneeded == ELF_MAX_NEEDED)
				return elf_fail(err, errlen, -E2BIG, "more than %u DT_NEEDED",
						ELF_MAX_NEEDED);
			if (e.val > UINT32_MAX)
				return elf_fail(err, errlen, -ENOEXEC, "DT_NEEDED %u: bad offset",
						obj->nneeded);
			obj->needed[obj->nneeded++] = (uint32_t)e.val;
		} else if (e.tag == DT_GNU_HASH) {
			d->gnu_hash = e.val;
			d->has_gnu_hash = true;
		} else if (e.tag == DT_FLAGS_1) {
			obj->flags_1 = e.val;
		} else if (e.tag >= 0 && e.tag <= DT_FLAGS) {
			d->val[e.tag] = e.val;
			d->present[e.tag] = true;
		}
	}
	return elf_fail(err, errlen, -ENOEXEC, "the dynamic section has no DT_NULL end");
}

/* Symbol count from DT_GNU_HASH: the end of the longest chain. */
static int gnu_hash_count(const struct elf_object *obj, uint64_t vaddr,
			  uint64_t *count, char *err, size_t errlen)
{
	uint64_t off, buckets, chains, nbuckets, symoff, bloom, max = 0;
	int r;

	if ((r = table_at(obj, vaddr, 16, &off, "DT_GNU_HASH", err, errlen)) < 0)
		return r;
	nbuckets = read32(obj, off);
	symoff = read32(obj, off + 4);
	bloom = read32(obj, off + 8);
	if (nbuckets > MAX_SYMS || bloom > MAX_SYMS || symoff > MAX_SYMS)
		return elf_fail(err, errlen, -ENOEXEC, "DT_GNU_HASH header is too large");
	if ((r = table_at(obj, vaddr, 16 + bloom * 8 + nbuckets * 4, &off,
			  "DT_GNU_HASH buckets", err, errlen)) < 0)
		return r;
	buckets = off + 16 + bloom * 8;
	for (uint64_t i = 0; i < nbuckets; i++) {
		uint32_t b = read32(obj, buckets + i * 4);
		if (b > max)
			max = b;
	}
	if (max < symoff) {
		*count = symoff;
		return 0;
	}
	/* Walk the last chain until its end bit (bit 0 of the hash) is set. */
	chains = buckets + nbuckets * 4;
	for (;;) {
		uint64_t at = chains + (max - symoff) * 4;
		if (max >= MAX_SYMS || at + 4 > obj->file_size)
			return elf_fail(err, errlen, -ENOEXEC,
					"DT_GNU_HASH chain runs past the file");
		if (read32(obj, at) & 1)
			break;
		max++;
	}
	*count = max + 1;
	return 0;
}

static int symbol_count(const struct elf_object *obj, const struct dyn_values *d,
			uint64_t *count, char *err, size_t errlen)
{
	uint64_t off;
	int r;

	if (d->present[DT_HASH]) {
		if ((r = table_at(obj, d->val[DT_HASH], 8, &off, "DT_HASH", err, errlen)) < 0)
			return r;
		*count = read32(obj, off + 4); /* nchain */
		return 0;
	}
	if (d->has_gnu_hash)
		return gnu_hash_count(obj, d->gnu_hash, count, err, errlen);
	return elf_fail(err, errlen, -ENOEXEC, "no DT_HASH or DT_GNU_HASH");
}

/* String and symbol tables: every symbol name inside the string table. */
static int check_symbols(struct elf_object *obj, const struct dyn_values *d,
			 char *err, size_t errlen)
{
	uint64_t nsyms;
	struct elf64_sym s;
	int r;

	if (!d->present[DT_STRTAB] || !d->present[DT_SYMTAB] || !d->present[DT_STRSZ])
		return elf_fail(err, errlen, -ENOEXEC,
				"DT_STRTAB, DT_SYMTAB or DT_STRSZ is missing");
	if (d->present[DT_SYMENT] && d->val[DT_SYMENT] != sizeof(struct elf64_sym))
		return elf_fail(err, errlen, -ENOEXEC, "DT_SYMENT is %llu, expected %zu",
				(unsigned long long)d->val[DT_SYMENT], sizeof(struct elf64_sym));
	obj->strtab.count = d->val[DT_STRSZ];
	if (obj->strtab.count == 0 || obj->strtab.count > ELF_MAX_SPAN)
		return elf_fail(err, errlen, -ENOEXEC, "DT_STRSZ %llu is out of range",
				(unsigned long long)obj->strtab.count);
	if ((r = table_at(obj, d->val[DT_STRTAB], obj->strtab.count, &obj->strtab.off,
			  "the string table", err, errlen)) < 0)
		return r;
	if (obj->file[obj->strtab.off + obj->strtab.count - 1] != '\0')
		return elf_fail(err, errlen, -ENOEXEC, "the string table does not end in NUL");
	if ((r = symbol_count(obj, d, &nsyms, err, errlen)) < 0)
		return r;
	if (nsyms > MAX_SYMS)
		return elf_fail(err, errlen, -E2BIG, "%llu symbols, at most %u allowed",
				(unsigned long long)nsyms, MAX_SYMS);
	if ((r = table_at(obj, d->val[DT_SYMTAB], nsyms * sizeof(s), &obj->symtab.off,
			  "the symbol table", err, errlen)) < 0)
		return r;
	obj->symtab.count = nsyms;
	for (uint64_t i = 0; i < nsyms; i++) {
		elf_read_sym(obj, i, &s);
		if (s.name >= obj->strtab.count)
			return elf_fail(err, errlen, -ENOEXEC,
					"symbol %llu: name offset %u lies outside the string table",
					(unsigned long long)i, s.name);
		/*
		 * A reference to an exported IFUNC would bind to its resolver,
		 * not to what the resolver picks: only IRELATIVE is supported.
		 */
		if (ELF_ST_TYPE(s.info) == STT_GNU_IFUNC && s.shndx != SHN_UNDEF &&
		    ELF_ST_BIND(s.info) != STB_LOCAL)
			return elf_fail(err, errlen, -ENOEXEC,
					"symbol %s is an exported IFUNC, which is not supported "
					"(make it static or hidden)", elf_string(obj, s.name));
	}
	return 0;
}

static int check_string(const struct elf_object *obj, uint64_t off,
			const char *what, char *err, size_t errlen)
{
	if (off >= obj->strtab.count)
		return elf_fail(err, errlen, -ENOEXEC,
				"%s: offset %llu lies outside the string table", what,
				(unsigned long long)off);
	return 0;
}

static int check_strings(struct elf_object *obj, const struct dyn_values *d,
			 char *err, size_t errlen)
{
	int r;

	for (unsigned i = 0; i < obj->nneeded; i++)
		if ((r = check_string(obj, obj->needed[i], "DT_NEEDED", err, errlen)) < 0)
			return r;
	if (d->present[DT_SONAME]) {
		if ((r = check_string(obj, d->val[DT_SONAME], "DT_SONAME", err, errlen)) < 0)
			return r;
		obj->soname = (int64_t)d->val[DT_SONAME];
	}
	/* DT_RUNPATH wins over the older DT_RPATH when both are present. */
	for (int tag = DT_RPATH; tag <= DT_RUNPATH; tag += DT_RUNPATH - DT_RPATH) {
		if (!d->present[tag])
			continue;
		r = check_string(obj, d->val[tag], tag == DT_RPATH ? "DT_RPATH" : "DT_RUNPATH",
				 err, errlen);
		if (r < 0)
			return r;
		obj->runpath = (int64_t)d->val[tag];
	}
	return 0;
}

/* A relocation table: entries of 24 bytes inside the file. */
static int reloc_table(const struct elf_object *obj, uint64_t vaddr, uint64_t size,
		       struct elf_table *t, const char *what, char *err, size_t errlen)
{
	if (size % sizeof(struct elf64_rela))
		return elf_fail(err, errlen, -ENOEXEC,
				"%s size %llu is not a multiple of 24", what,
				(unsigned long long)size);
	t->count = size / sizeof(struct elf64_rela);
	return size ? table_at(obj, vaddr, size, &t->off, what, err, errlen) : 0;
}

/* One relocation: a known type, a symbol in the table, a writable target. */
static int check_reloc(struct elf_object *obj, uint64_t i, char *err, size_t errlen)
{
	struct elf64_rela r;
	uint32_t type, sym;
	int seg;

	elf_read_reloc(obj, i, &r);
	type = ELF_R_TYPE(r.info);
	sym = ELF_R_SYM(r.info);
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_IRELATIVE:
		obj->has_irelative = true;
		if (!elf_in_code(obj, (uint64_t)r.addend))
			return elf_fail(err, errlen, -ENOEXEC,
					"relocation %llu: IFUNC resolver at %#llx lies outside "
					"executable text", (unsigned long long)i,
					(unsigned long long)r.addend);
		break;
	case R_X86_64_COPY:
		obj->has_copy = true;
		/* fall through */
	case R_X86_64_64: case R_X86_64_GLOB_DAT: case R_X86_64_JUMP_SLOT:
	case R_X86_64_RELATIVE: case R_X86_64_DTPMOD64: case R_X86_64_DTPOFF64:
	case R_X86_64_TPOFF64:
		break;
	default:
		return elf_fail(err, errlen, -ENOEXEC,
				"relocation %llu has type %u, which is not supported",
				(unsigned long long)i, type);
	}
	if (sym >= obj->symtab.count)
		return elf_fail(err, errlen, -ENOEXEC,
				"relocation %llu names symbol %u of %llu", (unsigned long long)i,
				sym, (unsigned long long)obj->symtab.count);
	if (type == R_X86_64_COPY) {
		struct elf64_sym s;
		elf_read_sym(obj, sym, &s);
		/* It copies another object's definition: a local symbol would have
		 * the copy read this object's memory at any value it names. */
		if (ELF_ST_BIND(s.info) == STB_LOCAL)
			return elf_fail(err, errlen, -ENOEXEC,
					"relocation %llu: COPY of a local symbol",
					(unsigned long long)i);
		seg = elf_segment_of(obj, r.offset, s.size);
	} else {
		seg = elf_segment_of(obj, r.offset, sizeof(uint64_t));
	}
	if (seg < 0 || !(obj->seg[seg].prot & ELF_PROT_W))
		return elf_fail(err, errlen, -ENOEXEC,
				"relocation %llu writes at %#llx, outside a writable segment",
				(unsigned long long)i, (unsigned long long)r.offset);
	return 0;
}

static int check_relocs(struct elf_object *obj, const struct dyn_values *d,
			char *err, size_t errlen)
{
	int r;

	if (d->present[DT_REL])
		return elf_fail(err, errlen, -ENOEXEC, "DT_REL relocations (without addend) are not supported on x86_64");
	if (d->present[DT_RELAENT] && d->val[DT_RELAENT] != sizeof(struct elf64_rela))
		return elf_fail(err, errlen, -ENOEXEC, "DT_RELAENT is %llu, expected 24",
				(unsigned long long)d->val[DT_RELAENT]);
	if (d->present[DT_JMPREL] && d->present[DT_PLTREL] && d->val[DT_PLTREL] != DT_RELA)
		return elf_fail(err, errlen, -ENOEXEC, "DT_PLTREL is not DT_RELA");
	if (d->present[DT_RELA] &&
	    (r = reloc_table(obj, d->val[DT_RELA], d->val[DT_RELASZ], &obj->rela,
			     "DT_RELA", err, errlen)) < 0)
		return r;
	if (d->present[DT_JMPREL] &&
	    (r = reloc_table(obj, d->val[DT_JMPREL], d->val[DT_PLTRELSZ], &obj->jmprel,
			     "DT_JMPREL", err, errlen)) < 0)
		return r;
	for (uint64_t i = 0; i < elf_reloc_count(obj); i++)
		if ((r = check_reloc(obj, i, err, errlen)) < 0)
			return r;
	return 0;
}

/* An init or fini array: 8-byte entries inside a segment. */
static int check_array(const struct elf_object *obj, const struct dyn_values *d,
		       int tag, int sztag, uint64_t *addr, uint64_t *count,
		       const char *what, char *err, size_t errlen)
{
	uint64_t size = d->present[sztag] ? d->val[sztag] : 0;

	if (!d->present[tag])
		return 0;
	if (size % 8 || size > ELF_MAX_SPAN ||
	    elf_segment_of(obj, d->val[tag], size) < 0)
		return elf_fail(err, errlen, -ENOEXEC,
				"%s at %#llx (%llu bytes) lies outside the segments", what,
				(unsigned long long)d->val[tag], (unsigned long long)size);
	*addr = d->val[tag];
	*count = size / 8;
	return 0;
}

static int check_code(const struct elf_object *obj, const struct dyn_values *d,
		      int tag, uint64_t *addr, const char *what, char *err, size_t errlen)
{
	if (!d->present[tag])
		return 0;
	if (!elf_in_code(obj, d->val[tag]))
		return elf_fail(err, errlen, -ENOEXEC, "%s at %#llx is not in code", what,
				(unsigned long long)d->val[tag]);
	*addr = d->val[tag];
	return 0;
}

int elf_parse_dynamic(struct elf_object *obj, uint64_t off, uint64_t size,
		      char *err, size_t errlen)
{
	struct dyn_values d;
	int r;

	memset(&d, 0, sizeof(d));
	if ((r = read_dynamic(obj, &d, off, size, err, errlen)) < 0)
		return r;
	obj->flags = d.val[DT_FLAGS];
	if (d.present[DT_TEXTREL] || (obj->flags & DF_TEXTREL))
		return elf_fail(err, errlen, -EACCES,
				"the object needs text relocations (DT_TEXTREL): rebuild with -fPIC");
	if ((r = check_symbols(obj, &d, err, errlen)) < 0 ||
	    (r = check_strings(obj, &d, err, errlen)) < 0 ||
	    (r = check_relocs(obj, &d, err, errlen)) < 0 ||
	    (r = check_array(obj, &d, DT_INIT_ARRAY, DT_INIT_ARRAYSZ, &obj->init_array,
			     &obj->init_array_count, "DT_INIT_ARRAY", err, errlen)) < 0 ||
	    (r = check_array(obj, &d, DT_FINI_ARRAY, DT_FINI_ARRAYSZ, &obj->fini_array,
			     &obj->fini_array_count, "DT_FINI_ARRAY", err, errlen)) < 0 ||
	    (r = check_code(obj, &d, DT_INIT, &obj->init, "DT_INIT", err, errlen)) < 0 ||
	    (r = check_code(obj, &d, DT_FINI, &obj->fini, "DT_FINI", err, errlen)) < 0)
		return r;
	return 0;
}

void elf_read_sym(const struct elf_object *obj, uint64_t i, struct elf64_sym *s)
{
	memcpy(s, obj->file + obj->symtab.off + i * sizeof(*s), sizeof(*s));
}

void elf_read_reloc(const struct elf_object *obj, uint64_t i, struct elf64_rela *r)
{
	const struct elf_table *t = &obj->rela;

	if (i >= obj->rela.count) {
		i -= obj->rela.count;
		t = &obj->jmprel;
	}
	memcpy(r, obj->file + t->off + i * sizeof(*r), sizeof(*r));
}

size_t elf_reloc_count(const struct elf_object *obj)
{
	return (size_t)(obj->rela.count + obj->jmprel.count);
}

const char *elf_string(const struct elf_object *obj, uint64_t off)
{
	if (off >= obj->strtab.count)
		return "";
	return (const char *)obj->file + obj->strtab.off + off;
}
