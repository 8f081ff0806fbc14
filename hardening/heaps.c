/*
 * The kernel's two hardened heaps, each the portable allocator (halloc) on
 * a range of its own, with a spinlock, random_bytes and the violation
 * reporter:
 *
 *   app-heap     the application's malloc (libc/malloc.c), with
 *                application pages (memory_map_anon), in
 *                [APP_HEAP_BASE, APP_HEAP_LIMIT); absent under heap=musl.
 *   kernel-heap  kmalloc, kcalloc and kfree, with kernel pages
 *                (memory_kheap_map), in [KHEAP_BASE, KHEAP_LIMIT).
 *
 * Each takes half of its area from a random page (aslr/; the area's start
 * with aslr=off), and its slot choices from a layout stream of its own
 * (aslr_stream_*, repeated by aslr=off and aslr.seed=N), so a block's address tells where the heap lies only
 * once one of its addresses has leaked.
 *
 * Each registers its range with memory_add_heap, so that a page fault there
 * is explained by halloc: a guard page is a heap-overflow, a freed block a
 * use-after-free.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carapace/app_heap.h>
#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/csprng.h>
#include <carapace/halloc.h>
#include <carapace/kasan.h>
#include <carapace/kheap.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/panic.h>
#include <carapace/percpu.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/report.h>
#include <carapace/sched.h>
#include <carapace/shrinker.h>
#include <carapace/spinlock.h>
#include <carapace/thread.h>
#include <carapace/tlb.h>

/*
 * A spinlock with interrupts off, not a mutex: a heap operation is short,
 * and a thread preempted while holding a sleeping lock made every other
 * thread's malloc a sleep and a wake-up (4 threads on 1 CPU: 7x slower);
 * kmalloc may run with interrupts off. A waiter answers TLB shootdowns:
 * the holder may be unmapping pages.
 */
struct heap {
	struct halloc h;
	struct csprng layout; /* slot choices: aslr_stream_*, under the lock */
	struct spinlock lock;
	uint64_t flags; /* written only by the lock's holder */
	const char *name;
	unsigned unsynced; /* large frees whose remote shootdown is still owed */
	bool on;
	/* Each CPU's cache (halloc_cache.c), made on its first use; only that CPU writes its entries. */
	struct halloc_cache *caches[MAX_CPUS];
	bool making_cache[MAX_CPUS];
};

static struct heap app = { .lock = SPINLOCK_INIT, .name = "app-heap" };
static struct heap kern = { .lock = SPINLOCK_INIT, .name = "kernel-heap" };

static int app_map(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	return memory_map_anon(addr, len, MEMORY_PROT_READ | MEMORY_PROT_WRITE);
}

static void app_unmap(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	memory_unmap(addr, len);
}

static void app_unmap_many(void *ctx, const uint64_t *addr, const uint64_t *len, unsigned n)
{
	(void)ctx;
	memory_unmap_many(addr, len, n);
}

/*
 * In a SAN=kasan kernel fresh heap pages hold no block until the allocator
 * hands one out, and unmapped ones are freed memory (carapace/kasan.h).
 */
static int kernel_map(void *ctx, uintptr_t addr, size_t len)
{
	int err = memory_kheap_map(addr, len);

	(void)ctx;
	if (!err)
		kasan_poison(addr, len, KASAN_HEAP_UNALLOCATED);
	return err;
}

static void kernel_unmap(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	memory_kheap_unmap(addr, len);
	kasan_poison(addr, len, KASAN_HEAP_FREED);
}

static void kernel_unmap_many(void *ctx, const uint64_t *addr, const uint64_t *len, unsigned n)
{
	(void)ctx;
	memory_kheap_unmap_many(addr, len, n);
	for (unsigned i = 0; i < n; i++)
		kasan_poison(addr[i], len[i], KASAN_HEAP_FREED);
}

/*
 * A freed large block's pages become inaccessible on this CPU at once
 * (invlpg): a read after free on the freeing thread's CPU faults on the
 * next access. Other CPUs are shot down once per SHOOTDOWN_BATCH frees,
 * not once per free: until then a thread on another CPU may still reach the
 * block's zeroed pages. Its frames stay with the heap meanwhile, so no
 * stale entry can reach memory given to anyone else (an unmap shoots down
 * before it frees frames). Made accessible again: no shootdown needed.
 */
#define SHOOTDOWN_BATCH 16

static void heap_protected(struct heap *hp, bool access)
{
	if (!access && ++hp->unsynced >= SHOOTDOWN_BATCH) {
		hp->unsynced = 0;
		tlb_shootdown();
	}
}

/* Pages to be taken away are zeroed first: they come back zero (calloc's promise). */
static int app_protect(void *ctx, uintptr_t addr, size_t len, bool access)
{
	int err;

	if (!access)
		memset((void *)addr, 0, len);
	err = memory_protect_batched(addr, len, access ? MEMORY_PROT_READ | MEMORY_PROT_WRITE : 0);
	if (!err)
		heap_protected(ctx, access);
	return err;
}

static int kernel_protect(void *ctx, uintptr_t addr, size_t len, bool access)
{
	int err;

	if (!access)
		memset((void *)addr, 0, len);
	err = memory_kheap_protect_batched(addr, len, access);
	if (!err)
		heap_protected(ctx, access);
	return err;
}

/*
 * A medium block's pages that may hold data: those written since the heap
 * last zeroed them (the page tables' dirty bits), so that a freed block
 * is zeroed, and its cell checked all zero when reused, only there.
 * Application pages are written only through their heap address (devices
 * write into buffers of their own, memory_alloc_dma). Clearing a dirty
 * bit drops this CPU's entry only; another CPU may still write through an
 * entry it cached dirty, which sets no bit: app_pages_sync shoots them
 * all down once per batch of frees, and the heap then checks the cleaned
 * pages again (with one CPU online there is nothing to do).
 */
static uint64_t app_pages_written(void *ctx, uintptr_t addr, unsigned npages)
{
	(void)ctx;
	return memory_pages_written(addr, npages);
}

static void app_pages_clean(void *ctx, uintptr_t addr, unsigned npages, uint64_t mask)
{
	(void)ctx;
	memory_pages_clean(addr, npages, mask);
}

static bool app_pages_sync(void *ctx)
{
	(void)ctx;
	if (cpu_count == 1)
		return false;
	tlb_shootdown();
	return true;
}

static void heap_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	random_bytes(buf, len);
}

static void heap_layout_random(void *ctx, void *buf, size_t len)
{
	struct heap *hp = ctx;

	aslr_stream_bytes(&hp->layout, buf, len);
}

static void heap_lock(void *ctx)
{
	struct heap *hp = ctx;
	uint64_t flags = spin_lock_irqsave_polling(&hp->lock, tlb_poll);

	hp->flags = flags;
}

static void heap_unlock(void *ctx)
{
	struct heap *hp = ctx;

	spin_unlock_irqrestore(&hp->lock, hp->flags);
}

/*
 * This CPU's cache, with interrupts off until heap_cache_put: the thread
 * stays on this CPU, and no interrupt handler's kmalloc comes in between.
 * Made from the kernel heap on the CPU's first use (the kernel heap's
 * own: by a kcalloc that, nested, finds none and takes the lock).
 */
static struct halloc_cache *heap_cache_get(void *ctx, uint64_t *saved)
{
	struct heap *hp = ctx;
	struct halloc_cache *c;
	unsigned cpu;

	*saved = irq_save();
	cpu = this_cpu()->id;
	if ((c = hp->caches[cpu]))
		return c;
	if (!hp->making_cache[cpu]) {
		hp->making_cache[cpu] = true;
		c = hp->caches[cpu] = kcalloc(1, sizeof(*c));
		hp->making_cache[cpu] = false;
		if (c)
			return c;
	}
	irq_restore(*saved);
	return NULL;
}

static void heap_cache_put(void *ctx, uint64_t saved)
{
	(void)ctx;
	irq_restore(saved);
}

/*
 * The app-heap's caches are per thread, not per CPU: no interrupt
 * handler calls malloc (signals are delivered when a system call
 * returns, and the cache path makes none), so a thread's own cache needs
 * neither interrupts nor preemption off (the host harnesses' caches are
 * per thread too). Interrupts off and on again, an sti, ends a
 * translated block under TCG and makes the next one a single
 * instruction: twice per malloc/free pair. Made on the thread's first
 * malloc, given back when the thread is freed (app_heap_thread_gone).
 */
static struct halloc_cache *app_cache_get(void *ctx, uint64_t *saved)
{
	struct thread_public *tp = thread_public(this_cpu_current());

	(void)ctx;
	*saved = 0;
	if (!tp->app_heap_cache)
		tp->app_heap_cache = kcalloc(1, sizeof(*tp->app_heap_cache));
	return tp->app_heap_cache;
}

void app_heap_thread_gone(struct thread_public *tp)
{
	if (!tp->app_heap_cache)
		return;
	halloc_cache_flush(&app.h, tp->app_heap_cache);
	kfree(tp->app_heap_cache);
	tp->app_heap_cache = NULL;
}

/* One line, the backtrace from here (through malloc or kfree to the caller), then off. */
static void heap_report(void *ctx, const struct halloc_report *r)
{
	static const enum violation kinds[] = {
		[HALLOC_HEAP_OVERFLOW] = VIOLATION_HEAP_OVERFLOW,
		[HALLOC_DOUBLE_FREE] = VIOLATION_DOUBLE_FREE,
		[HALLOC_INVALID_FREE] = VIOLATION_INVALID_FREE,
		[HALLOC_USE_AFTER_FREE] = VIOLATION_USE_AFTER_FREE,
	};
	struct heap *hp = ctx;
	enum violation v = kinds[r->kind];

	if (report_enter())
		report_abort("heap report");
	report_violation_line(v, "addr=0x%llx block=0x%llx size=%llu heap=%s thread=%s: %s",
			      (unsigned long long)r->addr, (unsigned long long)r->block,
			      (unsigned long long)r->size, hp->name, sched_current_name(), r->what);
	report_backtrace((uint64_t)heap_report, (uint64_t)__builtin_frame_address(0));
	power_exit(violation_exit_status(v));
}

static enum vm_region_kind explain(const struct heap *hp, uint64_t addr)
{
	switch (halloc_explain_fault(&hp->h, addr)) {
	case HALLOC_FAULT_GUARD:
		return VM_REGION_HEAP_GUARD;
	case HALLOC_FAULT_FREED:
		return VM_REGION_HEAP_FREED;
	default:
		return VM_REGION_HEAP;
	}
}

static enum vm_region_kind app_explain(uint64_t addr)
{
	return explain(&app, addr);
}

static enum vm_region_kind kernel_explain(uint64_t addr)
{
	return explain(&kern, addr);
}

/* Each heap's hooks: const, so no write can redirect them. */
static const struct halloc_backend app_backend = {
	.map = app_map, .unmap = app_unmap, .unmap_many = app_unmap_many, .protect = app_protect,
	.pages_written = app_pages_written, .pages_clean = app_pages_clean,
	.pages_sync = app_pages_sync,
	.random = heap_random,
	.layout_random = heap_layout_random,
	.lock = heap_lock, .unlock = heap_unlock, .report = heap_report,
	.cache_get = app_cache_get, .ctx = &app, /* no cache_put: nothing to undo */
};
static const struct halloc_backend kernel_backend = {
	.map = kernel_map, .unmap = kernel_unmap, .unmap_many = kernel_unmap_many,
	.protect = kernel_protect,
	.random = heap_random,
	.layout_random = heap_layout_random,
	.lock = heap_lock, .unlock = heap_unlock, .report = heap_report,
	.cache_get = heap_cache_get, .cache_put = heap_cache_put, .ctx = &kern,
};

/* Sets hp up on half of [lo, hi), from a random page. */
static void heap_start(struct heap *hp, const struct halloc_backend *be, uint64_t lo,
		       uint64_t hi, enum vm_region_kind (*why)(uint64_t addr))
{
	struct aslr_request q = {
		.lo = lo, .hi = hi, .size = (hi - lo) / 2, .align = PAGE_SIZE,
	};
	uint64_t base;

	aslr_stream_init(&hp->layout);
	if (aslr_pick_base(hp->name, &q, NULL, 0, &base) < 0 ||
	    halloc_init(&hp->h, be, base, q.size))
		panic("cannot set up the %s", hp->name);
	memory_add_heap(hp->h.base, hp->h.end, hp->name, why);
	hp->on = true;
}

/*
 * Memory running short: the pages freed large blocks keep cached go back.
 * Called from malloc before the heap's lock is taken (libc/malloc.c), never
 * with it held.
 */
static size_t app_heap_shrink(size_t wanted, void *arg)
{
	return halloc_shrink(&((struct heap *)arg)->h, wanted);
}

void app_heap_init(bool use_musl)
{
	if (use_musl)
		return;
	heap_start(&app, &app_backend, APP_HEAP_BASE, APP_HEAP_LIMIT, app_explain);
	if (shrinker_register("app-heap-cache", app_heap_shrink, &app) < 0)
		panic("cannot register the app-heap's shrinker");
}

struct halloc *app_heap(void)
{
	return app.on ? &app.h : NULL;
}

void kernel_heap_init(void)
{
	heap_start(&kern, &kernel_backend, KHEAP_BASE, KHEAP_LIMIT, kernel_explain);
}

/* The heap's count and what each CPU's cache has not yet added to it (a glance: no lock). */
size_t kernel_heap_blocks(void)
{
	size_t n = __atomic_load_n(&kern.h.stats.blocks, __ATOMIC_RELAXED);

	for (unsigned i = 0; i < MAX_CPUS; i++) {
		struct halloc_cache *c = __atomic_load_n(&kern.caches[i], __ATOMIC_RELAXED);

		if (c)
			n += (size_t)__atomic_load_n(&c->blocks, __ATOMIC_RELAXED);
	}
	return n;
}

void *kmalloc(size_t size)
{
	return halloc_malloc(&kern.h, size);
}

void *kcalloc(size_t nmemb, size_t size)
{
	return halloc_calloc(&kern.h, nmemb, size);
}

void kfree(void *ptr)
{
	halloc_free(&kern.h, ptr);
}
