/*
 * elf_reloc: applies the relocations of a loaded object (x86_64 psABI,
 * RELA only, all bound now: no lazy binding). Two passes: the first looks
 * up every symbol and computes every value into the caller's scratch array,
 * collecting all missing names; the second only writes, so it cannot fail.
 * IRELATIVE resolvers run apart (elf_relocate_ifuncs), once the caller has
 * relocated every object and made their text executable.
 *
 * Types R_X86_64_32, PC32 and the rest are refused by elf_parse(): a
 * -fPIC object has none among its dynamic relocations. A TLS relocation
 * naming another object's variable asks the lookup with ELF_LOOKUP_TLS.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/elf.h>
#include <carapace/fmt.h>

#include "elf_impl.h"

#define MISSING_PREFIX "undefined symbols: "

/* The names found missing, as one line: "undefined symbols: a, b". */
struct missing {
	char text[ELF_ERR_LEN];
	size_t len;
	bool full;
	unsigned count;
};

/* True when name is already one of the listed names. */
static bool missing_has(const struct missing *m, const char *name)
{
	size_t n = strlen(name);
	const char *p = m->text + sizeof(MISSING_PREFIX) - 1;
	const char *end = m->text + m->len;

	while (p < end) {
		const char *q = p;
		while (q < end && *q != ',')
			q++;
		if ((size_t)(q - p) == n && memcmp(p, name, n) == 0)
			return true;
		p = q + 2; /* past ", " */
	}
	return false;
}

static void append(struct missing *m, const char *s, size_t n)
{
	memcpy(m->text + m->len, s, n);
	m->len += n;
	m->text[m->len] = '\0';
}

static void missing_add(struct missing *m, const char *name)
{
	const char *sep = m->count ? ", " : "";
	size_t n = strlen(name);

	if (m->count == 0)
		append(m, MISSING_PREFIX, sizeof(MISSING_PREFIX) - 1);
	else if (m->full || missing_has(m, name))
		return;
	m->count++;
	/* Keep room for ", ..." and the NUL. */
	if (m->len + strlen(sep) + n + 6 > sizeof(m->text)) {
		append(m, ", ...", 5);
		m->full = true;
		return;
	}
	append(m, sep, strlen(sep));
	append(m, name, n);
}

/* S: the run-time address of relocation r's symbol; 1 when missing but weak. */
static int symbol_value(const struct elf_object *obj, const struct elf_reloc_env *env,
			const struct elf64_sym *s, uint32_t type, uint64_t *val,
			uint64_t *size)
{
	uint64_t bias = env->base - obj->vbase;
	struct elf_symval sv;
	int r;

	if (ELF_ST_BIND(s->info) == STB_LOCAL && s->shndx != SHN_UNDEF) {
		*val = bias + s->value;
		*size = s->size;
		return 0;
	}
	r = env->lookup(env->lookup_ctx, obj, elf_string(obj, s->name),
			type == R_X86_64_COPY ? ELF_LOOKUP_NOT_SELF : 0, &sv);
	if (r == 0) {
		*val = sv.addr;
		*size = sv.size;
		return 0;
	}
	*val = 0;
	*size = 0;
	return ELF_ST_BIND(s->info) == STB_WEAK ? 0 : -ENOENT;
}

/*
 * A TLS relocation. The variable's offset in the module is found first: in
 * this object's block, or (ELF_LOOKUP_TLS) in another object's. The thread
 * pointer sits tls_offset bytes above this object's block, so a TPOFF64 is
 * the module offset minus tls_dtp_base + tls_offset. Returns 1 when the
 * symbol is missing (and not weak).
 */
static int tls_value(const struct elf_object *obj, const struct elf_reloc_env *env,
		     const struct elf64_rela *r, const struct elf64_sym *s, uint64_t *val)
{
	uint32_t type = ELF_R_TYPE(r->info);
	uint64_t dtp = env->tls_dtp_base + (ELF_R_SYM(r->info) ? s->value : 0);

	if (ELF_R_SYM(r->info) && s->shndx == SHN_UNDEF) {
		struct elf_symval sv;

		if (env->lookup(env->lookup_ctx, obj, elf_string(obj, s->name),
				ELF_LOOKUP_TLS, &sv) < 0)
			return ELF_ST_BIND(s->info) == STB_WEAK ? 0 : 1;
		dtp = sv.addr;
	}
	if (type == R_X86_64_DTPMOD64)
		*val = env->tls_modid;
	else if (type == R_X86_64_DTPOFF64)
		*val = dtp + (uint64_t)r->addend;
	else
		*val = dtp + (uint64_t)r->addend - (env->tls_dtp_base + env->tls_offset);
	return 0;
}

/* Pass 1: the value of relocation i, or the reason it has none. */
static int resolve_one(const struct elf_object *obj, const struct elf_reloc_env *env,
		       uint64_t i, struct missing *m, char *err, size_t errlen)
{
	uint64_t bias = env->base - obj->vbase, s_val = 0, s_size = 0;
	struct elf64_rela r;
	struct elf64_sym s;
	uint32_t type;

	elf_read_reloc(obj, i, &r);
	type = ELF_R_TYPE(r.info);
	env->scratch[i] = 0;
	if (type == R_X86_64_NONE)
		return 0; /* its symbol index was not checked */
	elf_read_sym(obj, ELF_R_SYM(r.info), &s);
	switch (type) {
	case R_X86_64_RELATIVE:
	case R_X86_64_IRELATIVE:
		if (type == R_X86_64_IRELATIVE && !env->ifunc)
			return elf_fail(err, errlen, -ENOEXEC,
					"relocation %llu is IRELATIVE (an IFUNC), not supported here",
					(unsigned long long)i);
		env->scratch[i] = bias + (uint64_t)r.addend; /* IRELATIVE: its resolver */
		return 0;
	case R_X86_64_DTPMOD64:
		/* Without a symbol: the object's own {module, offset} pair (see below). */
		if (!ELF_R_SYM(r.info) && elf_segment_of(obj, r.offset + 8, 8) < 0)
			return elf_fail(err, errlen, -ENOEXEC,
					"relocation %llu: a TLS index at %#llx without its offset word",
					(unsigned long long)i, (unsigned long long)r.offset);
		/* fall through */
	case R_X86_64_DTPOFF64:
	case R_X86_64_TPOFF64:
		if (tls_value(obj, env, &r, &s, &env->scratch[i]))
			missing_add(m, elf_string(obj, s.name));
		return 0;
	}
	if (ELF_R_SYM(r.info) && symbol_value(obj, env, &s, type, &s_val, &s_size) < 0) {
		missing_add(m, elf_string(obj, s.name));
		return 0;
	}
	if (type == R_X86_64_COPY && s_val && s_size < s.size)
		return elf_fail(err, errlen, -ENOEXEC,
				"COPY of %s: %llu bytes wanted, the definition has %llu",
				elf_string(obj, s.name), (unsigned long long)s.size,
				(unsigned long long)s_size);
	env->scratch[i] = type == R_X86_64_64 ? s_val + (uint64_t)r.addend : s_val;
	return 0;
}

static void write64(const struct elf_object *obj, void *mem, uint64_t vaddr,
		    uint64_t v)
{
	memcpy((uint8_t *)mem + (vaddr - obj->vbase), &v, sizeof(v));
}

static uint64_t read64(const struct elf_object *obj, const void *mem, uint64_t vaddr)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)mem + (vaddr - obj->vbase), sizeof(v));
	return v;
}

int elf_relocate(const struct elf_object *obj, void *mem,
		 const struct elf_reloc_env *env, char *err, size_t errlen)
{
	size_t n = elf_reloc_count(obj);
	struct missing m = { .len = 0 };
	struct elf64_rela r;
	struct elf64_sym s;
	int rc;

	if (env->scratch_count < n)
		return elf_fail(err, errlen, -EINVAL,
				"scratch has %zu slots, %zu relocations need one each",
				env->scratch_count, n);
	for (size_t i = 0; i < n; i++)
		if ((rc = resolve_one(obj, env, i, &m, err, errlen)) < 0)
			return rc;
	if (m.count)
		return elf_fail(err, errlen, -ENOENT, "%s", m.text);

	for (size_t i = 0; i < n; i++) {
		elf_read_reloc(obj, i, &r);
		switch (ELF_R_TYPE(r.info)) {
		case R_X86_64_NONE:
		case R_X86_64_IRELATIVE:
			break;
		case R_X86_64_COPY:
			elf_read_sym(obj, ELF_R_SYM(r.info), &s);
			if (env->scratch[i])
				memcpy((uint8_t *)mem + (r.offset - obj->vbase),
				       (const void *)(uintptr_t)env->scratch[i], s.size);
			break;
		case R_X86_64_DTPMOD64:
			write64(obj, mem, r.offset, env->scratch[i]);
			/*
			 * A symbol-less DTPMOD64 heads a TLS index {module, offset}
			 * whose offset the static linker filled in, relative to this
			 * object's block (0 for the local-dynamic model). Several
			 * objects may share one module: add where this block starts.
			 */
			if (!ELF_R_SYM(r.info))
				write64(obj, mem, r.offset + 8,
					read64(obj, mem, r.offset + 8) + env->tls_dtp_base);
			break;
		default:
			write64(obj, mem, r.offset, env->scratch[i]);
		}
	}
	return 0;
}

int elf_relocate_ifuncs(const struct elf_object *obj, void *mem,
			const struct elf_reloc_env *env, char *err, size_t errlen)
{
	uint64_t resolver, target;
	struct elf64_rela r;

	for (size_t i = 0; i < elf_reloc_count(obj) && obj->has_irelative; i++) {
		elf_read_reloc(obj, i, &r);
		if (ELF_R_TYPE(r.info) != R_X86_64_IRELATIVE)
			continue;
		resolver = env->base - obj->vbase + (uint64_t)r.addend;
		if (env->ifunc(env->ifunc_ctx, resolver, &target) < 0)
			return elf_fail(err, errlen, -ENOEXEC,
					"relocation %llu: the IFUNC resolver at %#llx returned "
					"%#llx, outside executable text", (unsigned long long)i,
					(unsigned long long)resolver, (unsigned long long)target);
		write64(obj, mem, r.offset, target);
	}
	return 0;
}
