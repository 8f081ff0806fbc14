/*
 * In-kernel tests that commit one class of memory bug each, on purpose
 * (boot option test=NAME; README.md, "Sanitized builds"):
 *
 *   kasan-heap-read    a kmalloc'd block read one byte past its end   kind=out-of-bounds
 *   kasan-heap-write   the same, written                               kind=out-of-bounds
 *   kasan-use-after-free  a kfree'd block read                         kind=use-after-free
 *   kasan-stack        a local array read one element past its end     kind=out-of-bounds
 *   kasan-global       a global array read one byte past its end       kind=out-of-bounds
 *   kasan-page-use-after-free  a frame read through the direct map after
 *                      the page-frame allocator took it back          kind=use-after-free
 *
 * In a SAN=kasan kernel the access ends the run with violation=kasan
 * (147). In a kernel built without it nothing stops them: the test prints
 * what it read and fails (status 1).
 */
#include <stdint.h>

#include <carapace/console.h>
#include <carapace/kheap.h>
#include <carapace/ktests.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>

/* Hides a value from the compiler, so the bug happens at run time. */
#define OPAQUE(x) ({ __typeof__(x) v_ = (x); __asm__ volatile("" : "+r"(v_)); v_; })

#define HEAP_BLOCK 13 /* not a multiple of 8: the shadow's partial granule too */

/* Its redzone comes from the compiler (SAN=kasan), its size from here. */
static char global_array[HEAP_BLOCK];

static int went_on(const char *test, int value)
{
	kprintf("%s: the access was not stopped (read %d)\n", test, value);
	return 1;
}

/* Reads p[i] through a function of its own: the access is an ordinary load. */
__attribute__((noinline)) static int read_at(const volatile char *p, long i)
{
	return p[i];
}

__attribute__((noinline)) static int ktest_kasan_heap_read(void)
{
	char *p = kmalloc(HEAP_BLOCK);

	if (!p)
		return 1;
	return went_on("kasan-heap-read", read_at(p, OPAQUE(HEAP_BLOCK)));
}

__attribute__((noinline)) static int ktest_kasan_heap_write(void)
{
	volatile char *p = kmalloc(HEAP_BLOCK);

	if (!p)
		return 1;
	p[OPAQUE(HEAP_BLOCK)] = 'x';
	/* Not freed: the allocator's own canary check would end the run first. */
	return went_on("kasan-heap-write", p[HEAP_BLOCK - 1]);
}

__attribute__((noinline)) static int ktest_kasan_use_after_free(void)
{
	char *p = kmalloc(32);

	if (!p)
		return 1;
	p[0] = 'a';
	kfree(p);
	return went_on("kasan-use-after-free", read_at(p, OPAQUE(0L)));
}

__attribute__((noinline)) static int ktest_kasan_stack(void)
{
	char local[16] = "0123456789abcde";

	return went_on("kasan-stack", read_at(local, OPAQUE((long)sizeof(local))));
}

__attribute__((noinline)) static int ktest_kasan_global(void)
{
	global_array[0] = 'g';
	return went_on("kasan-global", read_at(global_array, OPAQUE((long)HEAP_BLOCK)));
}

__attribute__((noinline)) static int ktest_kasan_page_use_after_free(void)
{
	uint64_t phys;
	char *page;

	if (memory_frame_alloc(&phys))
		return 1;
	page = mmu_phys_to_virt(phys);
	page[0] = 'p';
	memory_free_frame(phys);
	return went_on("kasan-page-use-after-free", read_at(page, OPAQUE(0L)));
}

KTEST("kasan-heap-read", ktest_kasan_heap_read);
KTEST("kasan-heap-write", ktest_kasan_heap_write);
KTEST("kasan-use-after-free", ktest_kasan_use_after_free);
KTEST("kasan-stack", ktest_kasan_stack);
KTEST("kasan-global", ktest_kasan_global);
KTEST("kasan-page-use-after-free", ktest_kasan_page_use_after_free);
