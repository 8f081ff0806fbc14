/*
 * The malloc family for applications: the hardened allocator
 * (hardening/halloc.c, on the heap set up by hardening/heaps.c), or,
 * under the boot option heap=musl, musl's own mallocng (an ablation
 * switch). libc/files.mk weakens musl's malloc, free, calloc, realloc and
 * valloc, and renames the rest of its family to __carapace_musl_*, so
 * these definitions win and are the ones exported (libc/exports.txt);
 * musl's stay reachable under their internal or renamed names.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/app_heap.h>
#include <carapace/halloc.h>
#include <carapace/shrinker.h>

/* musl's own (hidden names, or renamed in the copy of libc.a). */
void *__libc_malloc_impl(size_t size);
void *__libc_calloc(size_t nmemb, size_t size);
void *__libc_realloc(void *ptr, size_t size);
void __libc_free(void *ptr);
void *__carapace_musl_aligned_alloc(size_t align, size_t size);
int __carapace_musl_posix_memalign(void **res, size_t align, size_t size);
void *__carapace_musl_memalign(size_t align, size_t size);
size_t __carapace_musl_malloc_usable_size(void *ptr);
void *__carapace_musl_reallocarray(void *ptr, size_t nmemb, size_t size);

/* musl's errno (the application's thread block). */
int *__errno_location(void);

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
void *aligned_alloc(size_t align, size_t size);
int posix_memalign(void **res, size_t align, size_t size);
void *memalign(size_t align, size_t size);
void *valloc(size_t size);
size_t malloc_usable_size(void *ptr);
void *reallocarray(void *ptr, size_t nmemb, size_t size);

#define VALLOC_ALIGN 4096

static void *nomem(void *p)
{
	if (!p)
		*__errno_location() = ENOMEM;
	return p;
}

/*
 * Before each allocation: the shrinkers (<carapace/shrinker.h>) are asked
 * to give memory back when this one would leave free memory below the
 * watermark, so a cache holding all free memory does not make it fail.
 */
static void reclaim_for(size_t size)
{
	shrinker_before_alloc(size);
}

/*
 * The thread's own cache, when it has one, is read here (a load) and
 * handed to the heap: the heap would ask its backend for it with an
 * indirect call.
 */
void *malloc(size_t size)
{
	struct halloc *h = app_heap();
	struct halloc_cache *c;

	reclaim_for(size);
	if (!h)
		return __libc_malloc_impl(size);
	c = app_heap_thread_cache();
	return nomem(c ? halloc_malloc_cached(h, c, size) : halloc_malloc(h, size));
}

void *calloc(size_t nmemb, size_t size)
{
	struct halloc *h = app_heap();
	size_t bytes;

	/* An overflowing product fails anyway: no cache is emptied for it. */
	if (!__builtin_mul_overflow(nmemb, size, &bytes))
		reclaim_for(bytes);
	return h ? nomem(halloc_calloc(h, nmemb, size)) : __libc_calloc(nmemb, size);
}

void *realloc(void *ptr, size_t size)
{
	struct halloc *h = app_heap();

	reclaim_for(size);
	return h ? nomem(halloc_realloc(h, ptr, size)) : __libc_realloc(ptr, size);
}

void free(void *ptr)
{
	struct halloc *h = app_heap();
	struct halloc_cache *c;

	if (!h)
		__libc_free(ptr);
	else if ((c = app_heap_thread_cache()))
		halloc_free_cached(h, c, ptr);
	else
		halloc_free(h, ptr);
}

void *aligned_alloc(size_t align, size_t size)
{
	struct halloc *h = app_heap();

	reclaim_for(size);
	if (!h)
		return __carapace_musl_aligned_alloc(align, size);
	if (align == 0 || (align & (align - 1))) {
		*__errno_location() = EINVAL;
		return NULL;
	}
	return nomem(halloc_aligned(h, align, size));
}

int posix_memalign(void **res, size_t align, size_t size)
{
	struct halloc *h = app_heap();
	void *p;

	reclaim_for(size);
	if (!h)
		return __carapace_musl_posix_memalign(res, align, size);
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	if (!(p = halloc_aligned(h, align, size)))
		return ENOMEM;
	*res = p;
	return 0;
}

void *memalign(size_t align, size_t size)
{
	return app_heap() ? aligned_alloc(align, size) : __carapace_musl_memalign(align, size);
}

void *valloc(size_t size)
{
	return memalign(VALLOC_ALIGN, size);
}

size_t malloc_usable_size(void *ptr)
{
	struct halloc *h = app_heap();

	return h ? halloc_usable_size(h, ptr) : __carapace_musl_malloc_usable_size(ptr);
}

void *reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (!app_heap())
		return __carapace_musl_reallocarray(ptr, nmemb, size);
	if (size && nmemb > SIZE_MAX / size) {
		*__errno_location() = ENOMEM;
		return NULL;
	}
	return realloc(ptr, nmemb * size);
}
