/*
 * kheap: the kernel heap for kernel objects (portable: also built on the host).
 *
 * Small requests (up to KHEAP_MAX_SMALL bytes) come from slabs: one 4 KiB
 * page per slab holding objects of one power-of-two size class, with the
 * slab's header and its allocation bitmap at the start of the page. Larger
 * requests get whole pages of their own with a header page-offset in front.
 * Every block is at least 16-byte aligned.
 *
 * The heap gets pages from a page source, so the same code runs on kernel
 * page tables and, in host tests, on aligned host memory. A pointer that the
 * heap did not hand out, or one freed twice, is reported through on_error and
 * never corrupts the heap.
 */
#ifndef CARAPACE_KHEAP_H
#define CARAPACE_KHEAP_H

#include <stddef.h>
#include <stdint.h>

#define KHEAP_PAGE_SIZE 4096u
#define KHEAP_MIN_SMALL 16u
#define KHEAP_MAX_SMALL 2048u
#define KHEAP_NCLASSES 8 /* 16, 32, ..., 2048 */

enum kheap_error {
	KHEAP_ERR_INVALID_FREE, /* not a block this heap handed out */
	KHEAP_ERR_DOUBLE_FREE,  /* a block already free */
};

struct kheap_page_source {
	/* Returns npages contiguous page-aligned pages, or NULL. */
	void *(*alloc_pages)(void *ctx, size_t npages);
	void (*free_pages)(void *ctx, void *pages, size_t npages);
	void *ctx;
};

struct kheap_slab;

struct kheap {
	struct kheap_page_source src;
	/* Called on a bad free; the kernel's reports and does not return. */
	void (*on_error)(void *ctx, enum kheap_error err, const void *ptr);
	void *error_ctx;
	struct kheap_slab *partial[KHEAP_NCLASSES]; /* slabs with a free slot */
	size_t bytes_in_use;  /* sum of requested sizes rounded to the class
	                         (large blocks: their usable size) */
	size_t pages_in_use;  /* pages taken from the source */
};

void kheap_init(struct kheap *h, const struct kheap_page_source *src,
		void (*on_error)(void *ctx, enum kheap_error err, const void *ptr),
		void *error_ctx);

/* malloc-like: NULL when the page source is exhausted or size is absurd. */
void *kheap_alloc(struct kheap *h, size_t size);
/* calloc-like: checks nmemb * size for overflow; the block is zeroed. */
void *kheap_calloc(struct kheap *h, size_t nmemb, size_t size);
/* free-like; NULL is ignored. */
void kheap_free(struct kheap *h, void *ptr);
/* The usable size of a block handed out by this heap. */
size_t kheap_usable_size(struct kheap *h, const void *ptr);
/*
 * Gives the empty slabs kept for reuse (at most one per class) back to the
 * page source; afterwards pages_in_use counts only pages holding live blocks.
 */
void kheap_trim(struct kheap *h);

#endif
