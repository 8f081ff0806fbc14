/*
 * The shrinker API as applications see it (libc/include/carapace/shrinker.h):
 * errno-style wrappers over kernel/mm/shrinker.c, exported through
 * libc/exports.txt. The reclaim itself runs from libc/malloc.c's entry
 * points, in the allocating thread, with no kernel lock held, so the
 * application's callback runs as the application's own code would.
 */
#include <errno.h>
#include <stddef.h>

#include <carapace/shrinker.h>

int *__errno_location(void);

int carapace_shrinker_register(const char *name, size_t (*fn)(size_t, void *), void *arg);
int carapace_shrinker_unregister(int handle);
size_t carapace_free_memory(void);
size_t carapace_shrinker_watermark(void);

static int as_errno(int r)
{
	if (r >= 0)
		return r;
	*__errno_location() = -r;
	return -1;
}

int carapace_shrinker_register(const char *name, size_t (*fn)(size_t, void *), void *arg)
{
	return as_errno(shrinker_register(name, fn, arg));
}

int carapace_shrinker_unregister(int handle)
{
	return as_errno(shrinker_unregister(handle));
}

size_t carapace_free_memory(void)
{
	return shrinker_free_bytes();
}

size_t carapace_shrinker_watermark(void)
{
	return shrinker_watermark();
}
