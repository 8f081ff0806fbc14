/*
 * elf_impl.h: the ELF64 file format (System V gABI, x86_64 psABI) and the
 * helpers shared by the files of kernel/elf; for them only.
 */
#ifndef CARAPACE_ELF_IMPL_H
#define CARAPACE_ELF_IMPL_H

#include <stdint.h>

#include <carapace/elf.h>

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_dyn {
	int64_t tag;
	uint64_t val;
};

struct elf64_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};

struct elf64_rela {
	uint64_t offset, info;
	int64_t addend;
};

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62


#define DT_NULL 0
#define DT_NEEDED 1
#define DT_PLTRELSZ 2
#define DT_HASH 4
#define DT_STRTAB 5
#define DT_SYMTAB 6
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_STRSZ 10
#define DT_SYMENT 11
#define DT_INIT 12
#define DT_FINI 13
#define DT_SONAME 14
#define DT_RPATH 15
#define DT_REL 17
#define DT_PLTREL 20
#define DT_TEXTREL 22
#define DT_JMPREL 23
#define DT_INIT_ARRAY 25
#define DT_FINI_ARRAY 26
#define DT_INIT_ARRAYSZ 27
#define DT_FINI_ARRAYSZ 28
#define DT_RUNPATH 29
#define DT_FLAGS 30
#define DT_GNU_HASH 0x6ffffef5
#define DT_FLAGS_1 0x6ffffffb
#define DF_TEXTREL 0x4

#define STB_LOCAL 0
#define STB_GLOBAL 1
#define STB_WEAK 2
#define STT_TLS 6
#define STT_GNU_IFUNC 10
#define SHN_UNDEF 0
#define ELF_ST_BIND(i) ((i) >> 4)
#define ELF_ST_TYPE(i) ((i) & 0xf)
#define ELF_R_SYM(i) ((uint32_t)((i) >> 32))
#define ELF_R_TYPE(i) ((uint32_t)(i))

#define R_X86_64_NONE 0
#define R_X86_64_64 1
#define R_X86_64_COPY 5
#define R_X86_64_GLOB_DAT 6
#define R_X86_64_JUMP_SLOT 7
#define R_X86_64_RELATIVE 8
#define R_X86_64_DTPMOD64 16
#define R_X86_64_DTPOFF64 17
#define R_X86_64_TPOFF64 18
#define R_X86_64_IRELATIVE 37

/* Writes a one-line message into err (when err is not NULL); returns code. */
int elf_fail(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* File offset of [vaddr, vaddr+len) when it lies in one segment's file part. */
int elf_vaddr_to_file(const struct elf_object *obj, uint64_t vaddr,
		      uint64_t len, uint64_t *off);

/* Index of the segment holding [vaddr, vaddr+len) in memory, or -1. */
int elf_segment_of(const struct elf_object *obj, uint64_t vaddr, uint64_t len);

/* Whether vaddr lies in an executable segment (code to be run or called). */
bool elf_in_code(const struct elf_object *obj, uint64_t vaddr);

/* Validates the dynamic section at file offset off, size bytes. */
int elf_parse_dynamic(struct elf_object *obj, uint64_t off, uint64_t size,
		      char *err, size_t errlen);

/* Symbol i of the validated symbol table. */
void elf_read_sym(const struct elf_object *obj, uint64_t i,
		  struct elf64_sym *s);

/* Relocation i of the two tables taken as one list (DT_RELA first). */
void elf_read_reloc(const struct elf_object *obj, uint64_t i,
		    struct elf64_rela *r);

#endif
