/*
 * kexports: find an exported symbol by name.
 *
 * The table is built by the kernel's build and read-only, but the lookup
 * still checks what it is handed: a NULL or empty table finds nothing.
 */
#include <stddef.h>
#include <string.h>

#include <carapace/kexports.h>

const struct kexport *kexports_search(const struct kexport_table *t, const char *name)
{
	size_t lo = 0, hi;

	if (t == NULL || t->entries == NULL || name == NULL)
		return NULL;
	hi = t->count; /* the name, if present, is in [lo, hi) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, t->entries[mid].name);

		if (c == 0)
			return &t->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
