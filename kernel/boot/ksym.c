/*
 * ksym: look an address up in the kernel's symbol table.
 *
 * Used while printing a backtrace, possibly after the kernel has gone wrong,
 * so every field of the table is checked before it is used: an empty or
 * damaged table gives "no symbol", never a fault.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <carapace/ksym.h>

/* The name at off, or NULL when it does not lie wholly inside the blob. */
static const char *name_at(const struct ksym_table *t, uint32_t off)
{
	if (t->names == NULL || off >= t->names_size)
		return NULL;
	if (strnlen(t->names + off, t->names_size - off) == t->names_size - off)
		return NULL; /* no NUL before the end of the blob */
	return t->names + off;
}

/*
 * Binary search for the last entry with an address <= addr: among equal
 * addresses the last one wins, as nm -n lists aliases together.
 */
const char *ksym_lookup(const struct ksym_table *t, uint64_t addr,
			uint64_t *offset)
{
	size_t lo = 0, hi;
	const struct ksym *s;
	const char *name;

	if (t == NULL || t->syms == NULL || t->count == 0)
		return NULL;
	hi = t->count; /* answer is in [lo, hi): first entry above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL; /* addr is below the first symbol */
	s = &t->syms[lo - 1];
	if (s->size != 0 && addr - s->addr >= s->size)
		return NULL; /* in a gap after a symbol of known size */
	name = name_at(t, s->name_off);
	if (name != NULL && offset != NULL)
		*offset = addr - s->addr;
	return name;
}
