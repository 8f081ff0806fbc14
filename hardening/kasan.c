/*
 * kasan: Carapace's runtime for Clang's kernel address sanitizer, in
 * SAN=kasan builds only (README.md, "Sanitized builds").
 *
 * Clang compiles every load and store of the kernel into a call
 * __asan_loadN_noabort(addr) / __asan_storeN_noabort(addr) before it
 * (outline instrumentation), lays redzones around each address-taken local
 * and each global, and poisons a frame's redzones on entry. The functions
 * and the record layout of the globals follow that documented ABI
 * (compiler-rt's asan_interface.h); the code is Carapace's own.
 *
 * The shadow: one byte per 8 bytes of the high half, 0 when all 8 are
 * accessible, 1..7 when only the first N are, negative (enum kasan_code)
 * when none is and why. It covers [HIGH_HALF, 2^64) linearly, 16 TiB placed
 * at a random page of KASAN_SHADOW_AREA's first half (carapace/layout.h);
 * Clang reads its offset from __asan_shadow_memory_dynamic_address. Only
 * what is in use is backed by frames: the image and the direct map at
 * boot, then each stack, heap page and device mapping as it is mapped
 * (kasan_map_shadow, from kernel/mm/memory.c). The application's low half
 * has no shadow: its addresses are never checked.
 *
 * A finding prints one line
 *
 *   carapace: violation=kasan kind=KIND access=read|write size=N addr=0x... at FUNCTION+0xOFF ...
 *
 * then, for a heap block, its allocation and free backtraces, and the
 * backtrace of the access; the run ends with status 147.
 *
 * This file is built without the sanitizer (hardening/files.mk): the
 * runtime never checks itself.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/console.h>
#include <carapace/kasan.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/panic.h>
#include <carapace/pfa.h>
#include <carapace/power.h>
#include <carapace/report.h>
#include <carapace/sched.h>

/* The kernel keeps frame pointers (-fno-omit-frame-pointer): walking up is safe. */
#pragma clang diagnostic ignored "-Wframe-address"

#define HIGH_HALF         0xffff800000000000ull
#define SHADOW_BYTES      ((0ull - HIGH_HALF) >> 3)   /* 16 TiB */
#define GRANULE           8ull
#define TRACE_DEPTH       8
#define RECORDS           8192                        /* blocks whose backtraces are kept */
#define FRAME_STEP_MAX    0x10000ull                  /* a frame is never 64 KiB */

extern char __text_start[], __text_end[], __ksyms_end[];
extern char boot_stack_bottom[], boot_stack_top[];
/* Clang's module constructors (asan.module_ctor: they register the globals). */
extern void (*const __init_array_start[])(void) __attribute__((weak));
extern void (*const __init_array_end[])(void) __attribute__((weak));

/* Read by every instrumented function with redzones on its stack. */
uint64_t __asan_shadow_memory_dynamic_address;

/* The boot stack's shadow until the real one exists (kasan_early_init). */
static int8_t early_shadow[BOOT_STACK_SIZE / GRANULE];
static uint64_t shadow_base;
static uint64_t shadow_offset; /* the real shadow's, once placed */
static uint64_t direct_map;    /* where physical address 0 is mapped */
static bool shadow_on;   /* the shadow is mapped: poisoning works */
static bool checking;    /* and the checks are on */
static bool reporting;   /* a finding is being reported: everything stops */

/* One heap block: where it is, and who allocated and freed it. */
struct block_record {
	uint64_t block, size, span;
	uint64_t alloc[TRACE_DEPTH], free[TRACE_DEPTH];
	bool freed;
};

/* Indexed by a hash of the block's address; a newer block takes the entry. */
static struct block_record records[RECORDS];

/* Plain loops: this file is unchecked, the kernel's memset and memcpy are not. */
void *kasan_memset_unchecked(void *dst, int c, size_t n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

void *kasan_memcpy_unchecked(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

static inline int8_t *shadow_of(uint64_t addr)
{
	return (int8_t *)((addr >> 3) + shadow_offset);
}

static bool in_shadow(uint64_t s)
{
	return shadow_on && s - shadow_base < SHADOW_BYTES;
}

void kasan_early_init(void)
{
	__asan_shadow_memory_dynamic_address =
		(uint64_t)early_shadow - ((uint64_t)boot_stack_bottom >> 3);
}

/* Frames for the shadow of [va, va + len): zeroed, so accessible. */
int kasan_map_shadow(uint64_t va, uint64_t len)
{
	uint64_t start, end;

	if (!shadow_base || va < HIGH_HALF || len == 0)
		return 0;
	if (len > 0ull - va)
		len = 0ull - va;
	start = (uint64_t)shadow_of(va) & ~(uint64_t)(PAGE_SIZE - 1);
	end = ALIGN_UP((uint64_t)shadow_of(va + len - 1) + 1, PAGE_SIZE);
	for (uint64_t page = start; page < end; page += PAGE_SIZE) {
		uint64_t phys;

		if (mmu_lookup(mmu_root(), page, NULL, NULL))
			continue;
		if (memory_frame_alloc(&phys))
			return -ENOMEM;
		if (mmu_map(mmu_root(), page, phys, PAGE_SIZE, MAP_READ | MAP_WRITE)) {
			memory_free_frame(phys);
			return -ENOMEM;
		}
	}
	return 0;
}

void kasan_poison(uint64_t va, uint64_t len, enum kasan_code code)
{
	uint64_t start = ALIGN_UP(va, GRANULE), end = (va + len) & ~(GRANULE - 1);

	if (!shadow_on || va < HIGH_HALF || end <= start)
		return;
	kasan_memset_unchecked(shadow_of(start), (int)code, (end - start) / GRANULE);
}

void kasan_unpoison(uint64_t va, uint64_t len)
{
	uint64_t full = len & ~(GRANULE - 1);

	if (!shadow_on || va < HIGH_HALF || (va & (GRANULE - 1)))
		return;
	kasan_memset_unchecked(shadow_of(va), 0, full / GRANULE);
	if (len & (GRANULE - 1))
		*shadow_of(va + full) = (int8_t)(len & (GRANULE - 1));
}

/* The return addresses of this call's callers, innermost first. */
static void record_trace(uint64_t *out)
{
	uint64_t fp = (uint64_t)__builtin_frame_address(0);
	int n = 0;

	while (n < TRACE_DEPTH && fp >= HIGH_HALF && !(fp & 7)) {
		uint64_t next = ((uint64_t *)fp)[0], ret = ((uint64_t *)fp)[1];

		if (ret < (uint64_t)__text_start || ret >= (uint64_t)__text_end)
			break;
		out[n++] = ret;
		if (next <= fp || next - fp > FRAME_STEP_MAX)
			break;
		fp = next;
	}
	while (n < TRACE_DEPTH)
		out[n++] = 0;
}

static struct block_record *record_slot(uint64_t block)
{
	return &records[((block >> 4) * 0x9e3779b97f4a7c15ull >> 40) % RECORDS];
}

/* Called with the heap's lock held: a record is written by one CPU at a time. */
void kasan_heap_alloc(uint64_t block, uint64_t size, uint64_t span)
{
	struct block_record *r = record_slot(block);

	if (block < HIGH_HALF)
		return; /* the application's heap: no shadow */
	kasan_unpoison(block, size);
	kasan_poison(ALIGN_UP(block + size, GRANULE), block + span - ALIGN_UP(block + size, GRANULE),
		     KASAN_HEAP_REDZONE);
	r->block = block;
	r->size = size;
	r->span = span;
	r->freed = false;
	record_trace(r->alloc);
}

void kasan_heap_free(uint64_t block, uint64_t span)
{
	struct block_record *r = record_slot(block);

	if (block < HIGH_HALF)
		return;
	kasan_poison(block, span, KASAN_HEAP_FREED);
	if (r->block == block) {
		r->freed = true;
		record_trace(r->free);
	}
}

void kasan_frames_used(uint64_t phys, uint64_t n)
{
	if (shadow_on)
		kasan_unpoison(direct_map + phys, n * PAGE_SIZE);
}

void kasan_frames_freed(uint64_t phys, uint64_t n)
{
	if (shadow_on)
		kasan_poison(direct_map + phys, n * PAGE_SIZE, KASAN_PAGE_FREE);
}

/* The free frames of the page allocator, in the direct map's shadow. */
static void poison_free_frames(uint64_t direct_base)
{
	const struct pfa *p = memory_pfa();

	for (uint64_t f = 0; f < p->nframes; f++)
		if (!(p->bitmap[f / 64] & (1ull << (f % 64))))
			kasan_poison(direct_base + f * PAGE_SIZE, PAGE_SIZE, KASAN_PAGE_FREE);
}

void kasan_init(uint64_t direct_base, uint64_t bytes)
{
	struct aslr_request q = {
		.lo = KASAN_SHADOW_AREA, .hi = KHEAP_BASE, .size = SHADOW_BYTES,
		.align = PAGE_SIZE,
	};

	if (aslr_pick_base("kasan-shadow", &q, NULL, 0, &shadow_base) < 0)
		panic("kasan: cannot place the shadow");
	shadow_offset = shadow_base - (HIGH_HALF >> 3);
	direct_map = direct_base;
	if (kasan_map_shadow((uint64_t)__text_start, (uint64_t)(__ksyms_end - __text_start)) ||
	    kasan_map_shadow(direct_base, bytes))
		panic("kasan: no memory for the shadow of the image and the direct map");
	/* From here on the boot stack's shadow is the real one (all accessible). */
	__asan_shadow_memory_dynamic_address = shadow_offset;
	shadow_on = true;
	poison_free_frames(direct_base);
	for (void (*const *ctor)(void) = __init_array_start; ctor < __init_array_end; ctor++)
		(*ctor)();
	checking = true;
}

/* --- Reports ------------------------------------------------------------ */

static const char *code_kind(int8_t code)
{
	switch ((uint8_t)code) {
	case KASAN_HEAP_FREED:
	case KASAN_PAGE_FREE:
		return "use-after-free";
	case KASAN_STACK_SCOPE:
		return "use-after-scope";
	default:
		return "out-of-bounds";
	}
}

static const char *code_where(int8_t code)
{
	switch ((uint8_t)code) {
	case KASAN_HEAP_UNALLOCATED: return "heap-unallocated";
	case KASAN_HEAP_FREED: return "heap-freed";
	case KASAN_HEAP_REDZONE: return "heap-redzone";
	case KASAN_PAGE_FREE: return "free-page";
	case KASAN_STACK_LEFT: return "stack-left-redzone";
	case KASAN_STACK_MID: return "stack-mid-redzone";
	case KASAN_STACK_RIGHT: return "stack-right-redzone";
	case KASAN_STACK_SCOPE: return "stack-out-of-scope";
	case KASAN_GLOBAL_REDZONE: return "global-redzone";
	default: return code > 0 ? "partial-granule" : "poisoned";
	}
}

static void print_trace(const char *title, const uint64_t *trace)
{
	kprintf("  %s:\n", title);
	for (int i = 0; i < TRACE_DEPTH && trace[i]; i++) {
		uint64_t off = 0;
		const char *name = report_kernel_symbol(trace[i] - 1, &off);

		kprintf("    #%-2d 0x%016llx %s+0x%llx\n", i, (unsigned long long)trace[i],
			name ? name : "?", (unsigned long long)off + 1);
	}
}

/* The recorded heap block that holds addr (or whose redzone it is in). */
static const struct block_record *block_of(uint64_t addr)
{
	for (int i = 0; i < RECORDS; i++)
		if (records[i].block && addr - records[i].block < records[i].span)
			return &records[i];
	return NULL;
}

static __attribute__((noreturn)) void report(const char *kind, const char *where, bool write,
					     uint64_t size, uint64_t addr, uint64_t site,
					     uint64_t frame)
{
	uint64_t off = 0;
	const char *func;
	const struct block_record *b;

	reporting = true;
	checking = false;
	if (report_enter())
		report_abort("a kasan finding");
	func = report_kernel_symbol(site, &off);
	report_violation_line(VIOLATION_KASAN,
			      "kind=%s access=%s size=%llu addr=0x%llx at %s+0x%llx where=%s "
			      "cpu=%u thread=%s",
			      kind, write ? "write" : "read", (unsigned long long)size,
			      (unsigned long long)addr, func ? func : "?", (unsigned long long)off,
			      where, cpu_current_id(), sched_current_name());
	if ((b = block_of(addr))) {
		kprintf("  block 0x%llx size %llu (%s): the access is at offset %lld\n",
			(unsigned long long)b->block, (unsigned long long)b->size,
			b->freed ? "freed" : "allocated", (long long)(addr - b->block));
		print_trace("allocated by", b->alloc);
		if (b->freed)
			print_trace("freed by", b->free);
	}
	report_backtrace(site, frame);
	power_exit(violation_exit_status(VIOLATION_KASAN));
}

/* The first byte of [addr, addr + size) that is not accessible, or 0. */
static uint64_t first_bad(uint64_t addr, uint64_t size, int8_t *code)
{
	uint64_t last = addr + size - 1;

	for (uint64_t g = addr & ~(GRANULE - 1); g <= last; g += GRANULE) {
		int8_t s = *shadow_of(g);
		uint64_t lo = g < addr ? addr : g, hi = g + GRANULE - 1 < last ? g + GRANULE - 1 : last;

		if (s == 0)
			goto next;
		if (s < 0) {
			*code = s;
			return lo;
		}
		if (hi - g >= (uint64_t)s) {
			*code = s;
			return lo > g + (uint64_t)s ? lo : g + (uint64_t)s;
		}
next:
		if (g + GRANULE < g)
			break;
	}
	return 0;
}

static inline __attribute__((always_inline)) void check(uint64_t addr, uint64_t size, bool write,
							 uint64_t site, uint64_t frame)
{
	uint64_t bad;
	int8_t code = 0;

	if (!checking || addr < HIGH_HALF || size == 0)
		return;
	if (size > 0ull - addr) {
		report("out-of-bounds", "wraps", write, size, addr, site, frame);
	}
	bad = first_bad(addr, size, &code);
	if (bad) {
		/* A partial granule's bytes past its end belong to what follows: a redzone. */
		if (code > 0) {
			int8_t next = *shadow_of((bad & ~(GRANULE - 1)) + GRANULE);

			code = next < 0 ? next : code;
		}
		report(code_kind(code), code_where(code), write, size, bad, site, frame);
	}
}

#define SITE ((uint64_t)__builtin_return_address(0) - 1)
#define FRAME ((uint64_t)__builtin_frame_address(1))
#define ENTRY __attribute__((used, noinline))

#define CHECKS(n)                                                                  \
	ENTRY void __asan_load##n##_noabort(uint64_t addr)                         \
	{                                                                          \
		check(addr, n, false, SITE, FRAME);                                \
	}                                                                          \
	ENTRY void __asan_store##n##_noabort(uint64_t addr)                        \
	{                                                                          \
		check(addr, n, true, SITE, FRAME);                                 \
	}

CHECKS(1)
CHECKS(2)
CHECKS(4)
CHECKS(8)
CHECKS(16)

ENTRY void __asan_loadN_noabort(uint64_t addr, uint64_t size)
{
	check(addr, size, false, SITE, FRAME);
}

ENTRY void __asan_storeN_noabort(uint64_t addr, uint64_t size)
{
	check(addr, size, true, SITE, FRAME);
}

/*
 * Stack redzones: Clang passes the shadow address itself. A stack without
 * a shadow (an application thread's, in the low half) is left alone.
 */
#define SET_SHADOW(value)                                                           \
	ENTRY void __asan_set_shadow_##value(uint64_t shadow, uint64_t n)           \
	{                                                                           \
		bool early = shadow - (uint64_t)early_shadow < sizeof(early_shadow);  \
                                                                                    \
		if ((early && !shadow_on) || (in_shadow(shadow) && n <= SHADOW_BYTES)) \
			kasan_memset_unchecked((void *)shadow, 0x##value, n);                       \
	}

SET_SHADOW(00)
SET_SHADOW(f1)
SET_SHADOW(f2)
SET_SHADOW(f3)
SET_SHADOW(f5)
SET_SHADOW(f8)

/*
 * Before a call that does not return (panic, a longjmp-like switch): the
 * frames it abandons leave their redzones behind, so the stack below the
 * caller is made accessible again.
 */
ENTRY void __asan_handle_no_return(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	const struct vm_region *r;

	if (!checking)
		return;
	if ((r = memory_region(sp)))
		kasan_unpoison(r->start, (sp & ~(GRANULE - 1)) - r->start);
	else if (sp - (uint64_t)boot_stack_bottom < BOOT_STACK_SIZE)
		kasan_unpoison((uint64_t)boot_stack_bottom,
			       (sp & ~(GRANULE - 1)) - (uint64_t)boot_stack_bottom);
}

/* The record Clang emits for each instrumented global. */
struct asan_global {
	uint64_t beg, size, size_with_redzone;
	const char *name, *module_name;
	uint64_t has_dynamic_init;
	void *location;
	uint64_t odr_indicator;
};

ENTRY void __asan_register_globals(struct asan_global *g, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		uint64_t end = ALIGN_UP(g[i].beg + g[i].size, GRANULE);

		kasan_unpoison(g[i].beg, g[i].size);
		kasan_poison(end, g[i].beg + g[i].size_with_redzone - end, KASAN_GLOBAL_REDZONE);
	}
}

/* The kernel never unloads a module; Clang still emits the call. */
ENTRY void __asan_unregister_globals(struct asan_global *g, uint64_t n)
{
	(void)g;
	(void)n;
}

bool kasan_shadow_fault(uint64_t addr, uint64_t rip, uint64_t rbp)
{
	uint64_t checked;

	if (!shadow_base || addr - shadow_base >= SHADOW_BYTES)
		return false;
	/* A check read the shadow of memory that was never mapped. */
	checked = (addr - shadow_offset) << 3;
	report("wild-access", "unmapped", false, GRANULE, checked, rip, rbp);
}
