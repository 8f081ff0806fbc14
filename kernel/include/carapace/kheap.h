/*
 * The kernel heap, for kernel objects: the hardened allocator, owned by
 * hardening/heaps.c (see hardening/README.md). kernel_heap_init, which
 * memory_init calls at boot, sets it up on half the kernel heap area from
 * a random start, with pages from kernel/mm (memory_kheap_map and
 * memory_kheap_unmap, carapace/memory.h, which includes this header for
 * its callers).
 */
#ifndef CARAPACE_KHEAP_H
#define CARAPACE_KHEAP_H

#include <stddef.h>

void *kmalloc(size_t size);
void *kcalloc(size_t nmemb, size_t size);
void kfree(void *ptr);
void kernel_heap_init(void);
/* The kernel heap's live blocks, for leak tests. */
size_t kernel_heap_blocks(void);

#endif
