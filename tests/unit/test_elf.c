/*
 * Tests for kernel/elf: real shared objects built by tests/unit/elf/files.mk
 * are parsed, loaded into an mmap'd window, relocated against host
 * functions, made executable as the kernel will, and called. Then damaged
 * copies of them, which must each give an error and a message, never a
 * crash (ASan and UBSan watch).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <carapace/elf.h>

#include "../../kernel/elf/elf_impl.h"

#ifndef ELF_TEST_DIR
#define ELF_TEST_DIR "build/host/elf"
#endif

#define TLS_MODID 3
#define TLS_OFFSET 64

struct file {
	uint8_t *bytes;
	size_t size;
};

static struct file read_so(const char *name)
{
	char path[256];
	struct file f = { NULL, 0 };
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", ELF_TEST_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	f.size = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f.bytes = malloc(f.size);
	assert_non_null(f.bytes);
	assert_int_equal(fread(f.bytes, 1, f.size, fp), f.size);
	fclose(fp);
	return f;
}

/* What the loaded code calls and reads on the host. */
static int host_data = 100;
static uint8_t tls_block[64];
static uint64_t tls_dtp_base; /* where the object's block starts in the module */

static int host_add(int a, int b)
{
	return a + b;
}

static void *fake_tls_get_addr(const uint64_t *ti)
{
	assert_int_equal(ti[0], TLS_MODID);
	return tls_block + ti[1];
}

static const struct { const char *name; void *addr; } host_syms[] = {
	{ "host_add", (void *)host_add },
	{ "host_data", &host_data },
	{ "__tls_get_addr", (void *)fake_tls_get_addr },
};

struct chain {
	uint64_t base;   /* run-time address of the object's window */
	bool host;       /* look in host_syms after the object */
};

/* The chain: the object itself, then (when asked) the host's symbols. */
static int lookup(void *ctx, const struct elf_object *from, const char *name,
		  unsigned flags, struct elf_symval *out)
{
	const struct chain *c = ctx;
	uint64_t vaddr, size;

	if (!(flags & ELF_LOOKUP_NOT_SELF) &&
	    elf_find_symbol(from, name, &vaddr, &size) == 0) {
		out->addr = c->base + vaddr - from->vbase;
		out->size = size;
		return 0;
	}
	for (size_t i = 0; c->host && i < sizeof(host_syms) / sizeof(host_syms[0]); i++) {
		if (strcmp(host_syms[i].name, name) == 0) {
			out->addr = (uint64_t)(uintptr_t)host_syms[i].addr;
			out->size = sizeof(int);
			return 0;
		}
	}
	return -ENOENT;
}

struct loaded {
	struct file f;
	struct elf_object obj;
	uint8_t *mem;
	uint64_t scratch[64];
	struct chain chain;
	char err[ELF_ERR_LEN];
};

/* The IFUNC callbacks: run the resolver and take its answer, or refuse it. */
static int run_resolver(void *ctx, uint64_t resolver, uint64_t *target)
{
	(void)ctx;
	*target = (uint64_t)(uintptr_t)((void *(*)(void))(uintptr_t)resolver)();
	return 0;
}

static int refuse_target(void *ctx, uint64_t resolver, uint64_t *target)
{
	(void)ctx;
	*target = resolver + 1;
	return -ENOEXEC;
}

/* Parses and loads name into a fresh RW mapping; returns the relocate result. */
static int load_so(struct loaded *l, const char *name, bool host)
{
	struct elf_reloc_env env;

	memset(l, 0, sizeof(*l));
	l->f = read_so(name);
	assert_int_equal(elf_parse(&l->obj, l->f.bytes, l->f.size, l->err, sizeof(l->err)), 0);
	l->mem = mmap(NULL, l->obj.span, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(l->mem != MAP_FAILED);
	assert_int_equal(elf_load(&l->obj, l->mem, l->obj.span, l->err, sizeof(l->err)), 0);
	l->chain.base = (uint64_t)(uintptr_t)l->mem;
	l->chain.host = host;
	env = (struct elf_reloc_env){
		.base = l->chain.base, .lookup = lookup, .lookup_ctx = &l->chain,
		.ifunc = run_resolver, .tls_modid = TLS_MODID, .tls_offset = TLS_OFFSET, .tls_dtp_base = tls_dtp_base,
		.scratch = l->scratch, .scratch_count = 64,
	};
	assert_true(elf_reloc_count(&l->obj) <= 64);
	return elf_relocate(&l->obj, l->mem, &env, l->err, sizeof(l->err));
}

/* Applies the final permissions, as the kernel will after relocation. */
static void protect(struct loaded *l)
{
	for (unsigned i = 0; i < l->obj.nseg; i++) {
		const struct elf_segment *s = &l->obj.seg[i];
		int prot = ((s->prot & ELF_PROT_R) ? PROT_READ : 0) |
			   ((s->prot & ELF_PROT_W) ? PROT_WRITE : 0) |
			   ((s->prot & ELF_PROT_X) ? PROT_EXEC : 0);
		assert_false((s->prot & ELF_PROT_W) && (s->prot & ELF_PROT_X));
		assert_int_equal(mprotect(l->mem + s->win_off, s->win_size, prot), 0);
	}
	if (l->obj.relro_size)
		assert_int_equal(mprotect(l->mem + l->obj.relro_off, l->obj.relro_size,
					  PROT_READ), 0);
}

static void unload(struct loaded *l)
{
	munmap(l->mem, l->obj.span);
	free(l->f.bytes);
}

static void *sym_addr(struct loaded *l, const char *name)
{
	uint64_t vaddr, size;

	assert_int_equal(elf_find_symbol(&l->obj, name, &vaddr, &size), 0);
	return l->mem + (vaddr - l->obj.vbase);
}

static void test_basic_runs(void **state)
{
	struct loaded l;
	uint64_t fns[8];
	size_t n;
	int *order, *order_n;
	int (*compute)(int);

	(void)state;
	assert_int_equal(load_so(&l, "lib_basic.so", true), 0);
	assert_true(l.obj.has_tls);
	assert_int_equal(l.obj.tls_filesz, 4);
	assert_true(l.obj.relro_size > 0);
	assert_int_equal(l.obj.nneeded, 0);
	assert_true(l.obj.init != 0 && l.obj.fini != 0);
	protect(&l);

	/* TLS: the thread's block starts as the TLS image. */
	memcpy(tls_block, l.f.bytes + l.obj.seg[l.obj.nseg - 1].offset +
	       (l.obj.tls_vaddr - l.obj.seg[l.obj.nseg - 1].vaddr), l.obj.tls_filesz);

	order = sym_addr(&l, "lib_order");
	order_n = sym_addr(&l, "lib_order_n");
	n = elf_init_list(&l.obj, l.mem, l.chain.base, fns, 8);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		((void (*)(void))(uintptr_t)fns[i])();
	assert_int_equal(*order_n, 3);
	assert_int_equal(order[0], 1); /* DT_INIT */
	assert_int_equal(order[1], 2); /* constructor(101) */
	assert_int_equal(order[2], 3); /* constructor(102) */

	/* 2x + 3x + (x + host_data) + lib_global + (tls 7 + x), x = 5 */
	compute = (int (*)(int))(uintptr_t)(l.chain.base +
		((uint8_t *)sym_addr(&l, "lib_compute") - l.mem));
	assert_int_equal(compute(5), 10 + 15 + 105 + 40 + 12);
	assert_int_equal(compute(1), 2 + 3 + 101 + 40 + 13);

	n = elf_fini_list(&l.obj, l.mem, l.chain.base, fns, 8);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		((void (*)(void))(uintptr_t)fns[i])();
	assert_int_equal(*order_n, 6);
	assert_int_equal(order[3], 7); /* destructor(102) */
	assert_int_equal(order[4], 8); /* destructor(101) */
	assert_int_equal(order[5], 9); /* DT_FINI */

	/* A short out array still gives the whole count. */
	assert_int_equal(elf_init_list(&l.obj, l.mem, l.chain.base, fns, 1), 3);
	unload(&l);
}

static void test_initial_exec_tls(void **state)
{
	struct loaded l;
	uint64_t got;
	int (*get)(void);

	(void)state;
	assert_int_equal(load_so(&l, "lib_ie.so", false), 0);
	/* The one TPOFF64 (ie_tls at TLS offset 0) holds 0 - TLS_OFFSET. */
	for (uint64_t i = 0; i < elf_reloc_count(&l.obj); i++) {
		struct elf64_rela r;
		elf_read_reloc(&l.obj, i, &r);
		if (ELF_R_TYPE(r.info) != R_X86_64_TPOFF64)
			continue;
		memcpy(&got, l.mem + (r.offset - l.obj.vbase), sizeof(got));
		assert_int_equal(got, (uint64_t)-TLS_OFFSET);
	}
	protect(&l);
	get = (int (*)(void))(uintptr_t)sym_addr(&l, "ie_get");
	assert_int_equal(get(), 5);
	unload(&l);
}

/*
 * The local-dynamic model with the object's block 16 bytes into a shared
 * module: the index's offset word gets 16 added, so the variables are found
 * where the block was copied.
 */
static void test_local_dynamic_tls_in_shared_module(void **state)
{
	struct loaded l;
	int (*sum)(int);
	int rc;

	(void)state;
	tls_dtp_base = 16;
	rc = load_so(&l, "lib_ld.so", true);
	tls_dtp_base = 0;
	assert_int_equal(rc, 0);
	assert_true(l.obj.has_tls && l.obj.tls_memsz + 16 <= sizeof(tls_block));
	protect(&l);
	memset(tls_block, 0xee, sizeof(tls_block));
	memcpy(tls_block + 16, l.f.bytes + l.obj.seg[l.obj.nseg - 1].offset +
	       (l.obj.tls_vaddr - l.obj.seg[l.obj.nseg - 1].vaddr), l.obj.tls_filesz);
	sum = (int (*)(int))(uintptr_t)(l.chain.base + ((uint8_t *)sym_addr(&l, "ld_sum") - l.mem));
	assert_int_equal(sum(1), 5 + 1 + 4);
	assert_int_equal(sum(2), 5 + 3 + 4);
	unload(&l);
}

static void test_missing_symbols(void **state)
{
	struct loaded m;
	uint8_t *plain;

	(void)state;
	/* Without the host, every host name is missing; the weak one is not. */
	assert_int_equal(load_so(&m, "lib_basic.so", false), -ENOENT);
	assert_non_null(strstr(m.err, "undefined symbols: "));
	assert_non_null(strstr(m.err, "host_add"));
	assert_non_null(strstr(m.err, "host_data"));
	assert_non_null(strstr(m.err, "__tls_get_addr"));
	assert_null(strstr(m.err, "host_absent"));
	/* Nothing written: the window is still the plain loaded image. */
	plain = calloc(1, m.obj.span);
	assert_int_equal(elf_load(&m.obj, plain, m.obj.span, NULL, 0), 0);
	assert_memory_equal(plain, m.mem, m.obj.span);
	free(plain);
	unload(&m);
}

/*
 * IRELATIVE is left to elf_relocate_ifuncs, which runs the resolver once
 * the text is executable (here: after protect, as the kernel does it).
 */
static void test_ifunc(void **state)
{
	struct loaded l;
	int *calls;
	int (*twice)(int);
	struct elf_reloc_env env = { .ifunc = refuse_target };

	(void)state;
	assert_int_equal(load_so(&l, "lib_ifunc.so", false), 0);
	assert_true(l.obj.has_irelative);
	calls = sym_addr(&l, "ifunc_resolver_calls");
	assert_int_equal(*calls, 0);
	/* The RELRO pages that hold the GOT stay writable until the IFUNCs ran. */
	for (unsigned i = 0; i < l.obj.nseg; i++)
		if (!(l.obj.seg[i].prot & ELF_PROT_W))
			assert_int_equal(mprotect(l.mem + l.obj.seg[i].win_off, l.obj.seg[i].win_size,
						  (l.obj.seg[i].prot & ELF_PROT_X) ?
						  PROT_READ | PROT_EXEC : PROT_READ), 0);
	env.base = l.chain.base;
	assert_int_equal(elf_relocate_ifuncs(&l.obj, l.mem, &env, l.err, sizeof(l.err)), -ENOEXEC);
	assert_non_null(strstr(l.err, "returned"));
	assert_non_null(strstr(l.err, "outside executable text"));
	env.ifunc = run_resolver;
	assert_int_equal(elf_relocate_ifuncs(&l.obj, l.mem, &env, l.err, sizeof(l.err)), 0);
	assert_int_equal(*calls, 1);
	protect(&l);
	twice = (int (*)(int))(uintptr_t)sym_addr(&l, "ifunc_double");
	assert_int_equal(twice(21), 42);
	unload(&l);
}

static void test_find_symbol(void **state)
{
	struct elf_object obj;
	struct file f = read_so("lib_basic.so");
	uint64_t vaddr, size;
	char err[ELF_ERR_LEN];

	(void)state;
	assert_int_equal(elf_parse(&obj, f.bytes, f.size, err, sizeof(err)), 0);
	assert_int_equal(elf_find_symbol(&obj, "lib_global", &vaddr, &size), 0);
	assert_int_equal(size, sizeof(int));
	assert_int_equal(elf_find_symbol(&obj, "twice", &vaddr, &size), -ENOENT);
	assert_int_equal(elf_find_symbol(&obj, "host_add", &vaddr, &size), -ENOENT);
	assert_int_equal(elf_find_symbol(&obj, "", &vaddr, &size), -ENOENT);
	free(f.bytes);
}

/* ---- Damaged copies ---- */

static struct elf64_phdr *phdr_of(uint8_t *b, uint32_t type, unsigned nth)
{
	struct elf64_ehdr *h = (struct elf64_ehdr *)b;
	struct elf64_phdr *p = (struct elf64_phdr *)(b + h->phoff);

	for (unsigned i = 0; i < h->phnum; i++)
		if (p[i].type == type && nth-- == 0)
			return &p[i];
	fail_msg("no program header of type %#x", type);
	return NULL;
}

static struct elf64_dyn *dyn_of(uint8_t *b, int64_t tag)
{
	struct elf64_phdr *p = phdr_of(b, PT_DYNAMIC, 0);
	struct elf64_dyn *d = (struct elf64_dyn *)(b + p->offset);

	for (; d->tag != DT_NULL; d++)
		if (d->tag == tag)
			return d;
	fail_msg("no dynamic tag %lld", (long long)tag);
	return NULL;
}

/* The first relocation of the DT_RELA table, found through a clean parse. */
static struct elf64_rela *rela_of(uint8_t *b, size_t size)
{
	struct elf_object obj;

	assert_int_equal(elf_parse(&obj, b, size, NULL, 0), 0);
	return (struct elf64_rela *)(b + obj.rela.off);
}

static struct elf64_sym *sym_of(uint8_t *b, size_t size, unsigned i)
{
	struct elf_object obj;

	assert_int_equal(elf_parse(&obj, b, size, NULL, 0), 0);
	return (struct elf64_sym *)(b + obj.symtab.off) + i;
}

#define EH ((struct elf64_ehdr *)b)
static void m_magic(uint8_t *b, size_t n) { (void)n; b[1] = 'X'; }
static void m_class(uint8_t *b, size_t n) { (void)n; b[EI_CLASS] = 1; }
static void m_exec(uint8_t *b, size_t n) { (void)n; EH->type = ET_EXEC; }
static void m_machine(uint8_t *b, size_t n) { (void)n; EH->machine = 3; }
static void m_phoff(uint8_t *b, size_t n) { EH->phoff = n - 8; }
static void m_phoff_wrap(uint8_t *b, size_t n) { (void)n; EH->phoff = UINT64_MAX - 8; }
static void m_phnum(uint8_t *b, size_t n) { (void)n; EH->phnum = 0xffff; }
static void m_p_offset(uint8_t *b, size_t n) { phdr_of(b, PT_LOAD, 0)->offset = n; }
static void m_p_filesz(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_LOAD, 3)->filesz = 0x10000; }
static void m_wx(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_LOAD, 3)->flags |= PF_X; }
static void m_stack(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_GNU_STACK, 0)->flags |= PF_X; }
static void m_overlap(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_LOAD, 1)->vaddr = 0x10; }
static void m_align(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_LOAD, 0)->align = 3; }
static void m_huge(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_LOAD, 3)->memsz = 1ull << 31; }
static void m_strsz(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_STRSZ)->val = 1ull << 40; }
static void m_syment(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_SYMENT)->val = 16; }
static void m_symname(uint8_t *b, size_t n) { sym_of(b, n, 1)->name = 0x7fffffff; }
static void m_rel_off(uint8_t *b, size_t n) { rela_of(b, n)->offset = 0x1000; }
static void m_rel_type(uint8_t *b, size_t n) { rela_of(b, n)->info = 2; }
static void m_rel_sym(uint8_t *b, size_t n) { rela_of(b, n)->info = (0xffffull << 32) | 1; }
static void m_relasz(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_RELASZ)->val = 24ull << 36; }
static void m_textrel(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_SYMENT)->tag = DT_TEXTREL; }
static void m_gnu_hash(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_GNU_HASH)->val = 0x1000000; }
static void m_init_array(uint8_t *b, size_t n) { (void)n; dyn_of(b, DT_INIT_ARRAYSZ)->val = 1ull << 32; }
static void m_no_dyn(uint8_t *b, size_t n) { (void)n; phdr_of(b, PT_DYNAMIC, 0)->type = 0x60000000; }
static void m_entry(uint8_t *b, size_t n) { (void)n; EH->entry = phdr_of(b, PT_LOAD, 3)->vaddr; }

/* The first defined global symbol made an IFUNC: exported, it is refused. */
static void m_exported_ifunc(uint8_t *b, size_t n)
{
	struct elf_object obj;

	assert_int_equal(elf_parse(&obj, b, n, NULL, 0), 0);
	for (unsigned i = 1; i < obj.symtab.count; i++) {
		struct elf64_sym *s = sym_of(b, n, i);

		if (s->shndx != SHN_UNDEF && ELF_ST_BIND(s->info) == STB_GLOBAL) {
			s->info = (uint8_t)((STB_GLOBAL << 4) | STT_GNU_IFUNC);
			return;
		}
	}
	fail_msg("no defined global symbol");
}

/* The first relocation made an IRELATIVE whose resolver is data. */
static void m_resolver_in_data(uint8_t *b, size_t n)
{
	struct elf64_rela *r = rela_of(b, n);

	r->info = R_X86_64_IRELATIVE;
	r->addend = (int64_t)phdr_of(b, PT_LOAD, 3)->vaddr;
}

struct damage_case {
	const char *what;
	void (*damage)(uint8_t *b, size_t n);
	int err;
	const char *message; /* a part of the expected message */
};

static const struct damage_case damage_cases[] = {
	{ "magic", m_magic, -ENOEXEC, "bad magic" },
	{ "class", m_class, -ENOEXEC, "not a 64-bit" },
	{ "ET_EXEC", m_exec, -ENOEXEC, "ET_EXEC is at a fixed address" },
	{ "machine", m_machine, -ENOEXEC, "not an x86_64" },
	{ "e_phoff", m_phoff, -ENOEXEC, "program headers lie outside the file" },
	{ "e_phoff wraps", m_phoff_wrap, -ENOEXEC, "program headers lie outside the file" },
	{ "e_phnum", m_phnum, -ENOEXEC, "65535 program headers" },
	{ "p_offset", m_p_offset, -ENOEXEC, "segment 0 lies outside the file" },
	{ "p_filesz", m_p_filesz, -ENOEXEC, "lies outside the file" },
	{ "W+X", m_wx, -EACCES, "is writable and executable (W^X)" },
	{ "exec stack", m_stack, -EACCES, "asks for an executable stack" },
	{ "overlap", m_overlap, -ENOEXEC, "overlaps" },
	{ "p_align", m_align, -ENOEXEC, "bad alignment" },
	{ "span", m_huge, -E2BIG, "limit" },
	{ "DT_STRSZ", m_strsz, -ENOEXEC, "DT_STRSZ" },
	{ "DT_SYMENT", m_syment, -ENOEXEC, "DT_SYMENT is 16" },
	{ "st_name", m_symname, -ENOEXEC, "name offset 2147483647 lies outside" },
	{ "r_offset", m_rel_off, -ENOEXEC, "outside a writable segment" },
	{ "r_type", m_rel_type, -ENOEXEC, "has type 2, which is not supported" },
	{ "r_sym", m_rel_sym, -ENOEXEC, "names symbol 65535" },
	{ "DT_RELASZ", m_relasz, -ENOEXEC, "DT_RELA at" },
	{ "DT_TEXTREL", m_textrel, -EACCES, "text relocations" },
	{ "DT_GNU_HASH", m_gnu_hash, -ENOEXEC, "DT_GNU_HASH" },
	{ "DT_INIT_ARRAYSZ", m_init_array, -ENOEXEC, "DT_INIT_ARRAY" },
	{ "no PT_DYNAMIC", m_no_dyn, -ENOEXEC, "no PT_DYNAMIC" },
	{ "e_entry in data", m_entry, -ENOEXEC, "lies outside executable text" },
	{ "exported IFUNC", m_exported_ifunc, -ENOEXEC, "is an exported IFUNC" },
	{ "IFUNC resolver in data", m_resolver_in_data, -ENOEXEC,
	  "IFUNC resolver at 0x" },
};

static void test_damage_messages(void **state)
{
	struct file f = read_so("lib_basic.so");
	struct elf_object obj;
	char err[ELF_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(damage_cases) / sizeof(damage_cases[0]); i++) {
		const struct damage_case *c = &damage_cases[i];
		uint8_t *b = malloc(f.size);
		memcpy(b, f.bytes, f.size);
		c->damage(b, f.size);
		int rc = elf_parse(&obj, b, f.size, err, sizeof(err));
		if (rc != c->err || !strstr(err, c->message))
			fail_msg("%s: got %d \"%s\", want %d \"%s\"", c->what, rc, err,
				 c->err, c->message);
		free(b);
	}
	free(f.bytes);
}

/* Anything that parses must also load and relocate (with a dummy chain). */
static uint8_t dummy[256];

static int resolve_all(void *ctx, const struct elf_object *from, const char *name,
		       unsigned flags, struct elf_symval *out)
{
	(void)ctx; (void)from; (void)name; (void)flags;
	out->addr = (uint64_t)(uintptr_t)dummy;
	out->size = sizeof(dummy);
	return 0;
}

static int no_ifunc(void *ctx, uint64_t resolver, uint64_t *target)
{
	(void)ctx;
	*target = resolver;
	return 0;
}

static int try_all(const uint8_t *b, size_t size)
{
	struct elf_object obj;
	char err[ELF_ERR_LEN];
	uint64_t *scratch;
	uint8_t *mem;
	int rc = elf_parse(&obj, b, size, err, sizeof(err));

	if (rc < 0) {
		assert_true(strlen(err) > 0);
		return rc;
	}
	mem = malloc(obj.span);
	scratch = calloc(elf_reloc_count(&obj) + 1, sizeof(*scratch));
	assert_int_equal(elf_load(&obj, mem, obj.span, err, sizeof(err)), 0);
	struct elf_reloc_env env = {
		.base = (uint64_t)(uintptr_t)mem, .lookup = resolve_all,
		.ifunc = no_ifunc, .scratch = scratch,
		.scratch_count = elf_reloc_count(&obj),
	};
	rc = elf_relocate(&obj, mem, &env, err, sizeof(err));
	if (rc == 0)
		rc = elf_relocate_ifuncs(&obj, mem, &env, err, sizeof(err));
	free(scratch);
	free(mem);
	return rc;
}

static void test_truncated(void **state)
{
	struct file f = read_so("lib_basic.so");
	struct elf_object obj;
	uint64_t end;

	(void)state;
	assert_int_equal(elf_parse(&obj, f.bytes, f.size, NULL, 0), 0);
	end = obj.seg[obj.nseg - 1].offset + obj.seg[obj.nseg - 1].filesz;
	for (size_t n = 0; n < f.size; n += (n < 0x200 ? 1 : 7)) {
		uint8_t *b = malloc(n ? n : 1); /* exact size: ASan sees overreads */
		memcpy(b, f.bytes, n);
		int rc = try_all(b, n);
		if (n < end)
			assert_true(rc < 0);
		free(b);
	}
	free(f.bytes);
}

/* Random bytes changed in the first pages: errors or clean loads only. */
static void test_random_damage(void **state)
{
	const char *names[] = { "lib_basic.so", "lib_ie.so" };

	(void)state;
	srand(1);
	for (size_t k = 0; k < 2; k++) {
		struct file f = read_so(names[k]);
		uint8_t *b = malloc(f.size);
		for (int round = 0; round < 3000; round++) {
			memcpy(b, f.bytes, f.size);
			for (int j = 0; j < 1 + round % 4; j++) {
				size_t at = (size_t)rand() % (round % 2 ? 0x1000 : f.size);
				b[at] = (uint8_t)rand();
			}
			try_all(b, f.size);
		}
		free(b);
		free(f.bytes);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_runs),
		cmocka_unit_test(test_initial_exec_tls),
		cmocka_unit_test(test_local_dynamic_tls_in_shared_module),
		cmocka_unit_test(test_missing_symbols),
		cmocka_unit_test(test_ifunc),
		cmocka_unit_test(test_find_symbol),
		cmocka_unit_test(test_damage_messages),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random_damage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
