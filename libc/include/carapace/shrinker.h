/*
 * <carapace/shrinker.h>: the shrinker API for applications (the kernel's
 * kernel/mm/shrinker.c, after OSv's). A cache registers a callback; when an
 * allocation (malloc, calloc, realloc, the aligned ones) would leave free
 * memory below the kernel's watermark, the callback is asked, before the
 * allocation is tried, to free about `wanted` bytes and to return how many
 * it freed. It may call free (a malloc inside it is not reclaimed for).
 * So a cache may grow into all free memory and still let other
 * allocations succeed.
 *
 * The callback runs inside the allocating call, in the allocating thread.
 * Two consequences: (1) the compiler assumes malloc changes none of the
 * program's variables, so what the callback changes must be read through
 * volatile or atomic accesses (or the code built with -fno-builtin-malloc
 * -fno-builtin-calloc -fno-builtin-realloc); (2) the callback must not
 * free what the allocating code is still using, nor block on a lock that
 * code may hold (take it with trylock and return 0 when busy).
 */
#ifndef CARAPACE_APP_SHRINKER_H
#define CARAPACE_APP_SHRINKER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef size_t (*carapace_shrinker_fn)(size_t wanted, void *arg);

/* A handle (>= 0), or -1 with errno EINVAL (no fn) or ENOSPC (table full). */
int carapace_shrinker_register(const char *name, carapace_shrinker_fn fn, void *arg);
/* 0, or -1 with errno EINVAL; the callback is not called after it returns. */
int carapace_shrinker_unregister(int handle);
/* Free memory now, and the watermark below which shrinkers are asked. */
size_t carapace_free_memory(void);
size_t carapace_shrinker_watermark(void);

#ifdef __cplusplus
}
#endif

#endif
