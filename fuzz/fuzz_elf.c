/*
 * Fuzzes the ELF linker core: the input is an ELF file. When it parses, it
 * is loaded into a scratch window and relocated with a chain that resolves
 * every name to a dummy buffer (IFUNC resolvers are not run). Checks: no
 * crash, a message on every error, and a window that exactly fits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carapace/elf.h>

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static uint8_t dummy[512];

static int resolve_dummy(void *ctx, const struct elf_object *from, const char *name,
			 unsigned flags, struct elf_symval *out)
{
	(void)ctx;
	(void)from;
	(void)flags;
	CHECK(strlen(name) < from->strtab.count);
	out->addr = (uint64_t)(uintptr_t)dummy;
	out->size = sizeof(dummy);
	return 0;
}

static int keep_resolver(void *ctx, uint64_t resolver, uint64_t *target)
{
	(void)ctx;
	*target = resolver;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_object obj;
	struct elf_reloc_env env;
	char err[ELF_ERR_LEN];
	uint64_t fns[4];
	uint8_t *mem;
	int rc;

	rc = elf_parse(&obj, data, size, err, sizeof(err));
	if (rc < 0) {
		CHECK(err[0] != '\0');
		return 0;
	}
	CHECK(obj.span > 0 && obj.span <= ELF_MAX_SPAN);
	mem = malloc(obj.span); /* exact size: ASan catches any write past it */
	CHECK(mem);
	CHECK(elf_load(&obj, mem, obj.span, err, sizeof(err)) == 0);
	memset(&env, 0, sizeof(env));
	env.base = 0x7f0000000000;
	env.lookup = resolve_dummy;
	env.ifunc = keep_resolver;
	env.scratch_count = elf_reloc_count(&obj);
	env.scratch = calloc(env.scratch_count + 1, sizeof(uint64_t));
	CHECK(env.scratch);
	rc = elf_relocate(&obj, mem, &env, err, sizeof(err));
	if (rc == 0)
		rc = elf_relocate_ifuncs(&obj, mem, &env, err, sizeof(err));
	CHECK(rc == 0 || err[0] != '\0');
	elf_init_list(&obj, mem, env.base, fns, 4);
	elf_fini_list(&obj, mem, env.base, fns, 4);
	free(env.scratch);
	free(mem);
	return 0;
}
