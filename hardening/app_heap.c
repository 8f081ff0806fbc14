/*
 * The application's hardened heap in the kernel: halloc (portable) on
 * [APP_HEAP_BASE, APP_HEAP_LIMIT), with the kernel's application pages
 * (memory_map_anon), a spinlock, random_bytes and the violation
 * reporter. A page fault in the range is explained by halloc (a guard
 * page: heap-overflow; a freed block: use-after-free).
 */
#include <stdbool.h>
#include <stdint.h>

#include <carapace/app_heap.h>
#include <carapace/halloc.h>
#include <carapace/memory.h>
#include <carapace/panic.h>
#include <carapace/power.h>
#include <carapace/random.h>
#include <carapace/report.h>
#include <carapace/sched.h>
#include <carapace/spinlock.h>

#include "layout.h"
#include "tlb.h"

static struct halloc heap;
/*
 * A spinlock with interrupts off, not a mutex: a heap operation is short,
 * and a thread preempted while holding a sleeping lock made every other
 * thread's malloc a sleep and a wake-up (4 threads on 1 CPU: 7x slower).
 * A waiter answers TLB shootdowns: the holder may be unmapping pages.
 */
static struct spinlock heap_lock = SPINLOCK_INIT;
static uint64_t heap_lock_flags; /* written only by the holder */
static bool heap_on;

static int heap_map(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	return memory_map_anon(addr, len, MEMORY_PROT_READ | MEMORY_PROT_WRITE);
}

static void heap_unmap(void *ctx, uintptr_t addr, size_t len)
{
	(void)ctx;
	memory_unmap(addr, len);
}

static void heap_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	random_bytes(buf, len);
}

static void heap_lock_take(void *ctx)
{
	uint64_t flags = spin_lock_irqsave_polling(&heap_lock, tlb_poll);

	(void)ctx;
	heap_lock_flags = flags;
}

static void heap_lock_give(void *ctx)
{
	(void)ctx;
	spin_unlock_irqrestore(&heap_lock, heap_lock_flags);
}

/* One line, the backtrace from here (through libc's malloc into the application), then off. */
static void heap_report(void *ctx, const struct halloc_report *r)
{
	static const enum violation kinds[] = {
		[HALLOC_HEAP_OVERFLOW] = VIOLATION_HEAP_OVERFLOW,
		[HALLOC_DOUBLE_FREE] = VIOLATION_DOUBLE_FREE,
		[HALLOC_INVALID_FREE] = VIOLATION_INVALID_FREE,
		[HALLOC_USE_AFTER_FREE] = VIOLATION_USE_AFTER_FREE,
	};
	enum violation v = kinds[r->kind];

	(void)ctx;
	if (report_enter())
		report_abort("heap report");
	report_violation_line(v, "addr=0x%llx block=0x%llx size=%llu thread=%s: %s",
			      (unsigned long long)r->addr, (unsigned long long)r->block,
			      (unsigned long long)r->size, sched_current_name(), r->what);
	report_backtrace((uint64_t)heap_report, (uint64_t)__builtin_frame_address(0));
	power_exit(violation_exit_status(v));
}

static enum vm_region_kind heap_explain(uint64_t addr)
{
	switch (halloc_explain_fault(&heap, addr)) {
	case HALLOC_FAULT_GUARD:
		return VM_REGION_HEAP_GUARD;
	case HALLOC_FAULT_FREED:
		return VM_REGION_HEAP_FREED;
	default:
		return VM_REGION_HEAP;
	}
}

void app_heap_init(bool use_musl)
{
	static const struct halloc_backend be = {
		.map = heap_map, .unmap = heap_unmap, .random = heap_random,
		.lock = heap_lock_take, .unlock = heap_lock_give, .report = heap_report,
	};

	if (use_musl)
		return;
	if (halloc_init(&heap, &be, APP_HEAP_BASE, APP_HEAP_LIMIT - APP_HEAP_BASE))
		panic("cannot set up the application heap");
	memory_add_heap(heap.base, heap.end, "app-heap", heap_explain);
	heap_on = true;
}

struct halloc *app_heap(void)
{
	return heap_on ? &heap : NULL;
}
