/*
 * kasan: the kernel address sanitizer's runtime, in SAN=kasan builds
 * (hardening/kasan.c; README.md, "Sanitized builds"). Every function here
 * exists in every kernel: outside SAN=kasan they are empty inlines, so the
 * code that poisons and unpoisons needs no #ifdef of its own.
 */
#ifndef CARAPACE_KASAN_H
#define CARAPACE_KASAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a poisoned shadow byte says about its 8 bytes (negative as int8_t). */
enum kasan_code {
	KASAN_HEAP_UNALLOCATED = 0xfa, /* heap memory no block holds */
	KASAN_HEAP_FREED       = 0xfb, /* a freed heap block */
	KASAN_HEAP_REDZONE     = 0xfc, /* past a heap block's end, within its slot */
	KASAN_PAGE_FREE        = 0xfd, /* a frame the page allocator holds as free */
	KASAN_STACK_LEFT       = 0xf1, /* Clang's stack redzones */
	KASAN_STACK_MID        = 0xf2,
	KASAN_STACK_RIGHT      = 0xf3,
	KASAN_STACK_SCOPE      = 0xf8,
	KASAN_GLOBAL_REDZONE   = 0xf9,
};

#ifdef CARAPACE_SAN_KASAN
/* Must run first in kmain: the boot stack's shadow until kasan_init. */
void kasan_early_init(void);
/*
 * Places the shadow (a random page of KASAN_SHADOW_AREA's first half),
 * maps it for the image and the direct map [direct_base, +bytes), then
 * checks start. Called by memory_init once frames can be allocated.
 */
void kasan_init(uint64_t direct_base, uint64_t bytes);
/*
 * Maps (zeroed: accessible) the shadow of [va, va + len), as pages come:
 * 0, or -ENOMEM (the caller gives the pages back and fails as it would
 * without memory). The caller holds the memory lock.
 */
int kasan_map_shadow(uint64_t va, uint64_t len);
void kasan_poison(uint64_t va, uint64_t len, enum kasan_code code);
/* Accessible: [va, va + len); a partial last granule says how much of it is. */
void kasan_unpoison(uint64_t va, uint64_t len);
/*
 * Frames the page-frame allocator handed out or took back (kernel/mm/pfa.c),
 * by physical address: their direct-map alias is accessible or poisoned.
 */
void kasan_frames_used(uint64_t phys, uint64_t n);
void kasan_frames_freed(uint64_t phys, uint64_t n);
/* A heap block handed out (size bytes; its slot spans span) or freed. */
void kasan_heap_alloc(uint64_t block, uint64_t size, uint64_t span);
void kasan_heap_free(uint64_t block, uint64_t span);
/*
 * A page fault at addr (rip and rbp: where): false when addr is not in the
 * shadow; else a check read the shadow of memory never mapped, which is
 * reported (the call never returns).
 */
bool kasan_shadow_fault(uint64_t addr, uint64_t rip, uint64_t rbp);
/*
 * Copies that go around the checks, for the allocator's core, which reads
 * and writes redzones and freed slots by design (hardening/halloc_impl.h).
 */
void *kasan_memset_unchecked(void *dst, int c, size_t n);
void *kasan_memcpy_unchecked(void *dst, const void *src, size_t n);
#else
/* Macros, not inlines: their arguments are not even evaluated. */
#define kasan_early_init() ((void)0)
#define kasan_init(direct_base, bytes) ((void)0)
#define kasan_map_shadow(va, len) 0
#define kasan_poison(va, len, code) ((void)0)
#define kasan_unpoison(va, len) ((void)0)
#define kasan_frames_used(phys, n) ((void)0)
#define kasan_frames_freed(phys, n) ((void)0)
#define kasan_heap_alloc(block, size, span) ((void)0)
#define kasan_heap_free(block, span) ((void)0)
#define kasan_shadow_fault(addr, rip, rbp) (false)
#endif

#endif
