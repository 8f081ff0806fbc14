/*
 * elf_parse: decodes and validates an ELF64 x86_64 ET_DYN image: the file
 * header and the program headers here, the dynamic section in
 * elf_dynamic.c. Nothing outside the given bytes is ever read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/elf.h>
#include <carapace/fmt.h>

#include "elf_impl.h"

#define MAX_PHNUM 64

int elf_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* True when [off, off+len) lies inside [0, size), without overflow. */
static bool in_range(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

int elf_vaddr_to_file(const struct elf_object *obj, uint64_t vaddr,
		      uint64_t len, uint64_t *off)
{
	for (unsigned i = 0; i < obj->nseg; i++) {
		const struct elf_segment *s = &obj->seg[i];
		if (vaddr >= s->vaddr && in_range(vaddr - s->vaddr, len, s->filesz)) {
			*off = s->offset + (vaddr - s->vaddr);
			return 0;
		}
	}
	return -ENOEXEC;
}

int elf_segment_of(const struct elf_object *obj, uint64_t vaddr, uint64_t len)
{
	for (unsigned i = 0; i < obj->nseg; i++) {
		const struct elf_segment *s = &obj->seg[i];
		if (vaddr >= s->vaddr && in_range(vaddr - s->vaddr, len, s->memsz))
			return (int)i;
	}
	return -1;
}

bool elf_in_code(const struct elf_object *obj, uint64_t vaddr)
{
	int i = elf_segment_of(obj, vaddr, 1);

	return i >= 0 && (obj->seg[i].prot & ELF_PROT_X);
}

static int check_header(const struct elf64_ehdr *h, size_t size,
			char *err, size_t errlen)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (memcmp(h->ident, magic, sizeof(magic)) != 0)
		return elf_fail(err, errlen, -ENOEXEC, "not an ELF file (bad magic)");
	if (h->ident[EI_CLASS] != ELFCLASS64)
		return elf_fail(err, errlen, -ENOEXEC, "not a 64-bit ELF file (class %u)",
				h->ident[EI_CLASS]);
	if (h->ident[EI_DATA] != ELFDATA2LSB)
		return elf_fail(err, errlen, -ENOEXEC, "not a little-endian ELF file");
	if (h->ident[EI_VERSION] != EV_CURRENT || h->version != EV_CURRENT)
		return elf_fail(err, errlen, -ENOEXEC, "unknown ELF version %u",
				h->version);
	if (h->machine != EM_X86_64)
		return elf_fail(err, errlen, -ENOEXEC, "not an x86_64 ELF file (machine %u)",
				h->machine);
	if (h->type == ET_EXEC)
		return elf_fail(err, errlen, -ENOEXEC,
				"ET_EXEC is at a fixed address and cannot be placed: build with -fPIE -pie or -shared");
	if (h->type != ET_DYN)
		return elf_fail(err, errlen, -ENOEXEC, "ELF type %u is not ET_DYN", h->type);
	if (h->phentsize != sizeof(struct elf64_phdr))
		return elf_fail(err, errlen, -ENOEXEC, "program header size %u, expected %zu",
				h->phentsize, sizeof(struct elf64_phdr));
	if (h->phnum == 0 || h->phnum > MAX_PHNUM)
		return elf_fail(err, errlen, -ENOEXEC, "%u program headers (1 to %u allowed)",
				h->phnum, MAX_PHNUM);
	if (!in_range(h->phoff, (uint64_t)h->phnum * sizeof(struct elf64_phdr), size))
		return elf_fail(err, errlen, -ENOEXEC,
				"truncated: the program headers lie outside the file");
	return 0;
}

/* Checks one PT_LOAD and appends it; segments must come sorted, apart. */
static int add_load(struct elf_object *obj, unsigned n, const struct elf64_phdr *p,
		    size_t size, char *err, size_t errlen)
{
	struct elf_segment *s;

	if (obj->nseg == ELF_MAX_SEGMENTS)
		return elf_fail(err, errlen, -ENOEXEC, "more than %u PT_LOAD segments",
				ELF_MAX_SEGMENTS);
	if (!in_range(p->offset, p->filesz, size))
		return elf_fail(err, errlen, -ENOEXEC,
				"truncated: segment %u lies outside the file", n);
	if (p->filesz > p->memsz)
		return elf_fail(err, errlen, -ENOEXEC,
				"segment %u has filesz larger than memsz", n);
	if (p->align > 1 && (!is_pow2(p->align) || p->align > ELF_MAX_ALIGN))
		return elf_fail(err, errlen, -ENOEXEC,
				"segment %u has a bad alignment %#llx", n,
				(unsigned long long)p->align);
	if ((p->flags & PF_W) && (p->flags & PF_X))
		return elf_fail(err, errlen, -EACCES,
				"segment %u is writable and executable (W^X)", n);
	if (p->vaddr > ELF_MAX_SPAN || p->memsz > ELF_MAX_SPAN ||
	    p->vaddr + p->memsz > ELF_MAX_SPAN)
		return elf_fail(err, errlen, -E2BIG,
				"segment %u lies beyond the %llu MiB limit", n,
				ELF_MAX_SPAN >> 20);
	if (obj->nseg) {
		const struct elf_segment *prev = &obj->seg[obj->nseg - 1];
		/* Apart by whole pages: each page gets one set of permissions. */
		if (p->vaddr / ELF_PAGE_SIZE * ELF_PAGE_SIZE <
		    prev->win_off + obj->vbase + prev->win_size)
			return elf_fail(err, errlen, -ENOEXEC,
					"segment %u overlaps or is not sorted after the one before (pages shared)", n);
	} else {
		obj->vbase = p->vaddr / ELF_PAGE_SIZE * ELF_PAGE_SIZE;
	}
	s = &obj->seg[obj->nseg++];
	s->vaddr = p->vaddr;
	s->memsz = p->memsz;
	s->offset = p->offset;
	s->filesz = p->filesz;
	s->win_off = p->vaddr / ELF_PAGE_SIZE * ELF_PAGE_SIZE - obj->vbase;
	s->win_size = (p->vaddr + p->memsz + ELF_PAGE_SIZE - 1) / ELF_PAGE_SIZE *
		      ELF_PAGE_SIZE - obj->vbase - s->win_off;
	s->prot = ((p->flags & PF_R) ? ELF_PROT_R : 0) |
		  ((p->flags & PF_W) ? ELF_PROT_W : 0) |
		  ((p->flags & PF_X) ? ELF_PROT_X : 0);
	if (p->align > obj->align)
		obj->align = p->align;
	return 0;
}

static int check_tls(struct elf_object *obj, const struct elf64_phdr *p,
		     char *err, size_t errlen)
{
	uint64_t off;

	if (obj->has_tls)
		return elf_fail(err, errlen, -ENOEXEC, "more than one PT_TLS");
	if (p->filesz > p->memsz || p->memsz > ELF_MAX_SPAN ||
	    (p->filesz && elf_vaddr_to_file(obj, p->vaddr, p->filesz, &off)))
		return elf_fail(err, errlen, -ENOEXEC,
				"the TLS image lies outside the loaded segments");
	if (p->align > ELF_PAGE_SIZE || (p->align > 1 && !is_pow2(p->align)))
		return elf_fail(err, errlen, -ENOEXEC, "TLS alignment %#llx not supported",
				(unsigned long long)p->align);
	obj->has_tls = true;
	obj->tls_vaddr = p->vaddr;
	obj->tls_filesz = p->filesz;
	obj->tls_memsz = p->memsz;
	obj->tls_align = p->align ? p->align : 1;
	return 0;
}

/* RELRO: whole pages inside one writable segment, made read-only later. */
static int check_relro(struct elf_object *obj, const struct elf64_phdr *p,
		       char *err, size_t errlen)
{
	uint64_t start = p->vaddr / ELF_PAGE_SIZE * ELF_PAGE_SIZE;
	uint64_t end;
	int i;

	if (p->memsz > ELF_MAX_SPAN || p->vaddr > ELF_MAX_SPAN)
		return elf_fail(err, errlen, -ENOEXEC, "PT_GNU_RELRO is too large");
	end = (p->vaddr + p->memsz) / ELF_PAGE_SIZE * ELF_PAGE_SIZE;
	i = elf_segment_of(obj, p->vaddr, p->memsz);
	if (i < 0 || !(obj->seg[i].prot & ELF_PROT_W))
		return elf_fail(err, errlen, -ENOEXEC,
				"PT_GNU_RELRO lies outside a writable segment");
	if (start < obj->seg[i].win_off + obj->vbase)
		start = obj->seg[i].win_off + obj->vbase;
	if (end > start) {
		obj->relro_off = start - obj->vbase;
		obj->relro_size = end - start;
	}
	return 0;
}

/* Second walk over the program headers: those that need the segments. */
static int parse_others(struct elf_object *obj, const struct elf64_phdr *ph,
			unsigned n, char *err, size_t errlen)
{
	uint64_t dyn_off = 0, dyn_size = 0;
	bool has_dyn = false;
	int r;

	for (unsigned i = 0; i < n; i++) {
		const struct elf64_phdr *p = &ph[i];
		switch (p->type) {
		case PT_GNU_STACK:
			if (p->flags & PF_X)
				return elf_fail(err, errlen, -EACCES,
						"the object asks for an executable stack (PT_GNU_STACK)");
			break;
		case PT_INTERP:
			obj->has_interp = true;
			break;
		case PT_TLS:
			if ((r = check_tls(obj, p, err, errlen)) < 0)
				return r;
			break;
		case PT_GNU_RELRO:
			if ((r = check_relro(obj, p, err, errlen)) < 0)
				return r;
			break;
		case PT_DYNAMIC:
			if (has_dyn)
				return elf_fail(err, errlen, -ENOEXEC, "more than one PT_DYNAMIC");
			has_dyn = true;
			dyn_size = p->filesz;
			if (elf_vaddr_to_file(obj, p->vaddr, p->filesz, &dyn_off) < 0)
				return elf_fail(err, errlen, -ENOEXEC,
						"PT_DYNAMIC lies outside the loaded segments");
			break;
		}
	}
	if (!has_dyn)
		return elf_fail(err, errlen, -ENOEXEC, "no PT_DYNAMIC: not a dynamic object");
	return elf_parse_dynamic(obj, dyn_off, dyn_size, err, errlen);
}

int elf_parse(struct elf_object *obj, const void *file, size_t size,
	      char *err, size_t errlen)
{
	struct elf64_phdr ph[MAX_PHNUM];
	struct elf64_ehdr h;
	const struct elf_segment *last;
	int r;

	memset(obj, 0, sizeof(*obj));
	obj->file = file;
	obj->file_size = size;
	obj->soname = obj->runpath = -1;
	obj->align = ELF_PAGE_SIZE;
	if (err && errlen)
		err[0] = '\0';
	if (size < sizeof(h))
		return elf_fail(err, errlen, -ENOEXEC,
				"truncated: %zu bytes, shorter than an ELF header", size);
	memcpy(&h, file, sizeof(h));
	if ((r = check_header(&h, size, err, errlen)) < 0)
		return r;
	memcpy(ph, (const uint8_t *)file + h.phoff, h.phnum * sizeof(ph[0]));
	for (unsigned i = 0; i < h.phnum; i++)
		if (ph[i].type == PT_LOAD &&
		    (r = add_load(obj, i, &ph[i], size, err, errlen)) < 0)
			return r;
	if (obj->nseg == 0)
		return elf_fail(err, errlen, -ENOEXEC, "no PT_LOAD segment");
	last = &obj->seg[obj->nseg - 1];
	obj->span = last->win_off + last->win_size;
	obj->entry = h.entry;
	obj->phnum = h.phnum;
	/* The program headers as loaded (a static PIE finds itself through them). */
	for (unsigned i = 0; i < obj->nseg; i++) {
		const struct elf_segment *s = &obj->seg[i];

		if (h.phoff >= s->offset && h.phoff - s->offset < s->filesz &&
		    h.phnum * sizeof(ph[0]) <= s->filesz - (h.phoff - s->offset))
			obj->phdr_vaddr = s->vaddr + (h.phoff - s->offset);
	}
	if (h.entry && !elf_in_code(obj, h.entry))
		return elf_fail(err, errlen, -ENOEXEC,
				"entry point %#llx lies outside executable text",
				(unsigned long long)h.entry);
	return parse_others(obj, ph, h.phnum, err, errlen);
}
