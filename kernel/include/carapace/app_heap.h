/*
 * app_heap: the application's heap (hardening/heaps.c): the hardened
 * allocator on the application area's heap range, or musl's own mallocng
 * under the boot option heap=musl (libc/malloc.c dispatches).
 */
#ifndef CARAPACE_APP_HEAP_H
#define CARAPACE_APP_HEAP_H

#include <stdbool.h>

#include <carapace/halloc.h>
#include <carapace/percpu.h>
#include <carapace/thread.h>

/*
 * Called once at boot, after memory_init: sets up the hardened heap and
 * registers its range with the fault reporter, unless use_musl.
 */
void app_heap_init(bool use_musl);
/* The application's hardened heap, or NULL under heap=musl. */
struct halloc *app_heap(void);

/*
 * The running thread's app-heap cache, or NULL before its first malloc
 * (halloc_malloc makes it): for halloc_malloc_cached and
 * halloc_free_cached (libc/malloc.c).
 */
static inline struct halloc_cache *app_heap_thread_cache(void)
{
	return thread_public(this_cpu_current())->app_heap_cache;
}

/*
 * A thread is freed (kernel/sched/thread.c): its app-heap cache, if it
 * has one, goes back to the heap (its slots and freed blocks) and is freed.
 */
void app_heap_thread_gone(struct thread_public *tp);

#endif
