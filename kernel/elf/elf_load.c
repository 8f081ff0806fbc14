/*
 * elf_load: places a validated object in the caller's window, and lists its
 * initialisers and finalisers once it is relocated. Permissions are the
 * caller's to apply (obj->seg[].prot, then obj->relro_* read-only) after
 * elf_relocate(), so nothing here is ever writable and executable at once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/elf.h>

#include "elf_impl.h"

int elf_load(const struct elf_object *obj, void *mem, size_t mem_size,
	     char *err, size_t errlen)
{
	uint8_t *win = mem;
	uint64_t prev_end = 0;

	if (mem_size < obj->span)
		return elf_fail(err, errlen, -EINVAL,
				"window of %zu bytes is smaller than the object's %llu",
				mem_size, (unsigned long long)obj->span);
	/* Zero gaps and bss, then copy each segment's file bytes. */
	for (unsigned i = 0; i < obj->nseg; i++) {
		const struct elf_segment *s = &obj->seg[i];
		uint64_t start = s->vaddr - obj->vbase;
		memset(win + prev_end, 0, start - prev_end);
		memcpy(win + start, obj->file + s->offset, s->filesz);
		prev_end = start + s->filesz;
	}
	memset(win + prev_end, 0, obj->span - prev_end);
	return 0;
}

/* Appends a function address unless it is 0 or -1 (empty slots). */
static void put(uint64_t *out, size_t max, size_t *n, uint64_t addr, uint64_t base,
		uint64_t vbase, int relocated)
{
	if (addr == 0 || addr == UINT64_MAX)
		return;
	if (*n < max)
		out[*n] = relocated ? addr : base + (addr - vbase);
	(*n)++;
}

static uint64_t array_entry(const struct elf_object *obj, const void *mem,
			    uint64_t array, uint64_t i)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)mem + (array - obj->vbase) + i * 8, sizeof(v));
	return v;
}

size_t elf_init_list(const struct elf_object *obj, const void *mem,
		     uint64_t base, uint64_t *out, size_t max)
{
	size_t n = 0;

	put(out, max, &n, obj->init, base, obj->vbase, 0);
	for (uint64_t i = 0; i < obj->init_array_count; i++)
		put(out, max, &n, array_entry(obj, mem, obj->init_array, i), base,
		    obj->vbase, 1);
	return n;
}

size_t elf_fini_list(const struct elf_object *obj, const void *mem,
		     uint64_t base, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (uint64_t i = obj->fini_array_count; i-- > 0;)
		put(out, max, &n, array_entry(obj, mem, obj->fini_array, i), base,
		    obj->vbase, 1);
	put(out, max, &n, obj->fini, base, obj->vbase, 0);
	return n;
}
