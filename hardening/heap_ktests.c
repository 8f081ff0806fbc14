/*
 * In-kernel tests of the kernel heap on the hardened allocator (each ends
 * in its violation report): test=kheap-overflow writes one byte past a
 * kmalloc block and frees it; test=kheap-double-free frees a block twice;
 * test=kheap-use-after-free reads a freed large block.
 */
#include <stddef.h>

#include <carapace/ktests.h>
#include <carapace/memory.h>

#define SMALL 40
#define LARGE (512 * 1024) /* past HALLOC_MEDIUM_MAX: freed, its pages fault */

/* The compiler must not see through kmalloc/kfree pairs or the stray access. */
static void *volatile sink;

static int ktest_kheap_overflow(void)
{
	char *p = kmalloc(SMALL);

	sink = p;
	p[SMALL] = 'X';
	kfree(p);
	return 1; /* not reached */
}

static int ktest_kheap_double_free(void)
{
	void *p = kmalloc(SMALL);

	sink = p;
	kfree(p);
	kfree(sink);
	return 1;
}

static int ktest_kheap_use_after_free(void)
{
	volatile char *p = kmalloc(LARGE);

	sink = (void *)p;
	kfree((void *)p);
	return p[8]; /* faults: the block's pages are inaccessible */
}

KTEST("kheap-overflow", ktest_kheap_overflow);
KTEST("kheap-double-free", ktest_kheap_double_free);
KTEST("kheap-use-after-free", ktest_kheap_use_after_free);
