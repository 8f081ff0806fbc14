/*
 * elf: the portable core of the kernel's dynamic linker (kernel/elf/).
 *
 * An ELF64 x86_64 shared object or PIE (ET_DYN) goes through three steps,
 * in the seL4 shape: elf_parse() decodes and checks everything (headers,
 * segments, the dynamic section, the symbol table and every relocation);
 * elf_load() copies the segments into a window the caller allocated;
 * elf_relocate() looks up every symbol first and writes only when all were
 * found, so a failure never leaves a half-relocated image that could run;
 * elf_relocate_ifuncs() then runs the IFUNC resolvers, once the caller has
 * made the text executable.
 *
 * The caller keeps the file bytes unchanged from elf_parse() until the last
 * call on the object: tables are read from them, never from the window.
 * Every call that fails returns a negative errno and writes one line saying
 * what is wrong into err (ELF_ERR_LEN bytes are always enough).
 */
#ifndef CARAPACE_ELF_H
#define CARAPACE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_ERR_LEN       160
#define ELF_MAX_SEGMENTS  16          /* PT_LOAD entries */
#define ELF_MAX_NEEDED    32          /* DT_NEEDED entries */
#define ELF_MAX_SPAN      (1ull << 30) /* bytes from lowest to highest page */
#define ELF_MAX_ALIGN     (1ull << 21) /* largest p_align accepted */
#define ELF_PAGE_SIZE     4096ull

/* A program header, and the types and flags the linker and the loader use. */
struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551
#define PT_GNU_RELRO 0x6474e552
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define ELF_PROT_R 1u
#define ELF_PROT_W 2u
#define ELF_PROT_X 4u

/* One PT_LOAD: where it lies in the window and its permissions once loaded. */
struct elf_segment {
	uint64_t vaddr;    /* p_vaddr */
	uint64_t memsz;
	uint64_t offset;   /* p_offset */
	uint64_t filesz;
	uint64_t win_off;  /* page-aligned start, relative to the window */
	uint64_t win_size; /* whole pages */
	unsigned prot;     /* ELF_PROT_* */
};

/* A table in the file: its file offset and its entry count. */
struct elf_table {
	uint64_t off;
	uint64_t count;
};

struct elf_object {
	const uint8_t *file;
	size_t file_size;

	uint64_t vbase;    /* lowest PT_LOAD address, page-aligned down */
	uint64_t span;     /* bytes the window needs */
	uint64_t align;    /* the window's base must be aligned to this */
	uint64_t entry;    /* e_entry (0 for most shared objects) */
	uint64_t phdr_vaddr; /* where the program headers are loaded, 0: not loaded */
	unsigned phnum;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	unsigned nseg;

	bool has_interp;   /* PT_INTERP seen (ignored: the kernel links) */
	bool has_tls;
	uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align; /* the TLS image */
	uint64_t relro_off, relro_size; /* whole pages in the window, 0: none */

	/* Dynamic section (all offsets checked to lie in the file). */
	struct elf_table strtab;  /* count = DT_STRSZ, NUL-terminated at end */
	struct elf_table symtab;  /* count = symbols (from the hash table) */
	struct elf_table rela;    /* DT_RELA */
	struct elf_table jmprel;  /* DT_JMPREL */
	uint64_t init, fini;      /* vaddr, 0 when absent */
	uint64_t init_array, init_array_count; /* vaddr, entries */
	uint64_t fini_array, fini_array_count;
	uint32_t needed[ELF_MAX_NEEDED]; /* string table offsets */
	unsigned nneeded;
	int64_t soname, runpath;  /* string table offsets, -1 when absent */
	uint64_t flags, flags_1;
	bool has_irelative;       /* some relocation is R_X86_64_IRELATIVE */
	bool has_copy;            /* some relocation is R_X86_64_COPY */
};

/* Decodes and validates file[0..size). On success fills *obj. */
int elf_parse(struct elf_object *obj, const void *file, size_t size,
	      char *err, size_t errlen);

/* A string of the string table (validated offset), e.g. obj->needed[i]. */
const char *elf_string(const struct elf_object *obj, uint64_t off);

/*
 * Copies the segments into mem (mem_size >= obj->span, zeroed by the caller
 * or not: the bytes past each segment's file part are zeroed here).
 * Window offset w holds the object's address vbase + w.
 */
int elf_load(const struct elf_object *obj, void *mem, size_t mem_size,
	     char *err, size_t errlen);

/* A symbol found by a lookup: its run-time address and size. */
struct elf_symval {
	uint64_t addr;
	uint64_t size;
};

#define ELF_LOOKUP_NOT_SELF 1u /* R_X86_64_COPY: skip the requesting object */
/*
 * A thread-local variable of another object: the answer's addr is its
 * offset in the TLS module (the same space as tls_dtp_base), not an address.
 */
#define ELF_LOOKUP_TLS      2u

/*
 * Looks up name (version-less) along the caller's chain: the object itself,
 * its libraries, the kernel's exports. Returns 0 and fills *out, or
 * -ENOENT.
 */
typedef int (*elf_lookup_fn)(void *ctx, const struct elf_object *from,
			     const char *name, unsigned flags,
			     struct elf_symval *out);

/*
 * Runs an IFUNC resolver at run-time address resolver and sets *target to
 * the function it picked; returns 0, or -ENOEXEC when target is not
 * executable text (the caller knows where text lies).
 */
typedef int (*elf_ifunc_fn)(void *ctx, uint64_t resolver, uint64_t *target);

struct elf_reloc_env {
	uint64_t base;          /* run-time address of window offset 0 */
	elf_lookup_fn lookup;
	void *lookup_ctx;
	elf_ifunc_fn ifunc;     /* NULL: IRELATIVE is an error */
	void *ifunc_ctx;
	uint64_t tls_modid;     /* this object's TLS module id (DTPMOD64) */
	/* Static TLS: this object's block starts tls_offset bytes below the
	 * thread pointer (variant II), so TPOFF64 = value - tls_offset. */
	uint64_t tls_offset;
	/* Where this object's block starts inside its TLS module (several
	 * objects may share one module): DTPOFF64 = tls_dtp_base + value. */
	uint64_t tls_dtp_base;
	/* One slot per relocation (elf_reloc_count()): the resolve pass keeps
	 * its results here so the write pass cannot fail. */
	uint64_t *scratch;
	size_t scratch_count;
};

/* Number of relocation entries (DT_RELA + DT_JMPREL): the scratch size. */
size_t elf_reloc_count(const struct elf_object *obj);

/*
 * Applies every relocation but IRELATIVE to the loaded window mem. Resolves
 * first: if any non-weak symbol is missing, returns -ENOENT with "undefined
 * symbols: a, b" and mem is untouched.
 */
int elf_relocate(const struct elf_object *obj, void *mem,
		 const struct elf_reloc_env *env, char *err, size_t errlen);

/*
 * Applies the IRELATIVE entries: runs each resolver (env->ifunc) and writes
 * what it picked. Call it once the objects the resolvers may reach are
 * relocated and their text is executable (no longer writable); their
 * writable segments, RELRO included, must still be writable. Fails with
 * -ENOEXEC when env->ifunc refuses a target (some may be written already).
 */
int elf_relocate_ifuncs(const struct elf_object *obj, void *mem,
			const struct elf_reloc_env *env, char *err, size_t errlen);

/*
 * Finds an exported, defined symbol (STB_GLOBAL or STB_WEAK, not SHN_UNDEF)
 * of obj by name. Returns 0 with its address (vaddr, not run-time) and
 * size, or -ENOENT.
 */
int elf_find_symbol(const struct elf_object *obj, const char *name,
		    uint64_t *vaddr, uint64_t *size);
/* The same for a thread-local (STT_TLS) symbol only: *offset is st_value. */
int elf_find_tls_symbol(const struct elf_object *obj, const char *name,
			uint64_t *offset, uint64_t *size);

/*
 * Run-time addresses of the initialisers in call order (DT_INIT, then
 * DT_INIT_ARRAY) or the finalisers (DT_FINI_ARRAY in reverse, then DT_FINI),
 * read from the relocated window. Writes at most max; returns the count
 * (which may exceed max). Entries 0 and -1 are skipped.
 */
size_t elf_init_list(const struct elf_object *obj, const void *mem,
		     uint64_t base, uint64_t *out, size_t max);
size_t elf_fini_list(const struct elf_object *obj, const void *mem,
		     uint64_t base, uint64_t *out, size_t max);

#endif
