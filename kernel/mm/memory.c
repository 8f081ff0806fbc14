/*
 * Kernel memory bring-up and the glue between the portable allocators
 * (pfa.c; the kernel heap, hardening/heaps.c) and the page tables (mmu.c):
 * the kernel's mappings, the direct map, the device window, every
 * guard-paged stack and the kernel heap's pages. The application's pages
 * are app_memory.c's, where they go app_layout.c's.
 *
 * Boot order: an early bump allocator hands out frames just above the kernel
 * image (reachable through the boot mapping) for the new page tables and the
 * frame bitmap; then the kernel switches to its own tables, and from there
 * on every frame comes from the frame allocator.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/aslr.h>
#include <carapace/console.h>
#include <carapace/fmt.h>
#include <carapace/hardening.h>
#include <carapace/kasan.h>
#include <carapace/layout.h>
#include <carapace/memory.h>
#include <carapace/mmu.h>
#include <carapace/panic.h>
#include <carapace/pfa.h>
#include <carapace/shrinker.h>
#include <carapace/spinlock.h>
#include <carapace/tlb.h>

#include "mm_impl.h"

#define MAX_STACKS 4096 /* stacks alive at once: three per thread */
#define MIB (1024ull * 1024)

struct stack_record {
	struct vm_region region;
	char name[32];
	bool in_use;
};

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __ksyms_start[], __ksyms_end[];

static struct pfa pfa;
static struct stack_record stacks[MAX_STACKS];
static int nstacks;
/* The same stacks sorted by address, for the planner (aslr_pick_base). */
static struct aslr_region stack_places[MAX_STACKS];
struct spinlock memory_lock = SPINLOCK_INIT; /* mm_impl.h */

static struct {
	uint64_t start, next, limit; /* physical, within the boot mapping */
} early;

static uint64_t image_start, image_end, usable_bytes, phys_end, early_used;
/* Where the direct map starts: a random 2 MiB boundary (memory_init). */
static uint64_t direct_map_base __ro_after_init = DIRECT_MAP_BASE;
/* The device window's next free address, from a random page (memory_init). */
static uint64_t phys_map_next = PHYS_MAP_BASE;
static const struct boot_info *boot;

/* Copies at most size-1 characters and always terminates. */
static void strncpy_bounded(char *dst, const char *src, size_t size)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

static int early_frame_alloc(uint64_t *phys)
{
	if (early.next + PAGE_SIZE > early.limit)
		return -ENOMEM;
	*phys = early.next;
	early.next += PAGE_SIZE;
	memset(mmu_phys_to_virt(*phys), 0, PAGE_SIZE);
	return 0;
}

int memory_frame_alloc(uint64_t *phys)
{
	int err = pfa_alloc(&pfa, 1, 1, phys);

	if (!err)
		memset(mmu_phys_to_virt(*phys), 0, PAGE_SIZE);
	return err;
}

void memory_free_frame(uint64_t phys)
{
	if (pfa_free(&pfa, phys, 1))
		panic("frame 0x%llx freed twice (or not a RAM frame): the page tables "
		      "and the frame allocator disagree", (unsigned long long)phys);
}

/*
 * The early allocator takes the usable range that holds the image's end,
 * from past the image and the boot modules that follow it.
 */
static int early_init(void)
{
	uint64_t start = image_end;

	for (int i = 0; i < boot->nmodules; i++)
		if (boot->modules[i].end > start)
			start = boot->modules[i].end;
	for (int i = 0; i < boot->nram; i++) {
		const struct mem_range *r = &boot->ram[i];

		if (r->start <= start && start < r->end) {
			early.start = early.next = ALIGN_UP(start, PAGE_SIZE);
			early.limit = r->end < BOOT_MAPPED_BYTES ? r->end : BOOT_MAPPED_BYTES;
			early.limit &= ~(uint64_t)(PAGE_SIZE - 1);
			return 0;
		}
	}
	return -ENOMEM;
}

/* Maps one usable RAM range into the direct map, less page 0 and the image. */
static int map_direct(uint64_t root, uint64_t start, uint64_t end)
{
	start = ALIGN_UP(start < PAGE_SIZE ? PAGE_SIZE : start, PAGE_SIZE);
	end &= ~(uint64_t)(PAGE_SIZE - 1);
	if (start < image_end && end > image_start) {
		int err = map_direct(root, start, image_start);

		return err ? err : map_direct(root, image_end, end);
	}
	if (start >= end)
		return 0;
	return mmu_map(root, direct_map_base + start, start, end - start,
		       MAP_READ | MAP_WRITE | MAP_LARGE);
}

static int map_image_section(uint64_t root, char *start, char *end, unsigned prot)
{
	uint64_t va = (uint64_t)start;

	return mmu_map(root, va, kernel_image_phys(va), (uint64_t)(end - start), prot);
}

/*
 * The direct map at a random 2 MiB boundary of its area (its 2 MiB pages
 * need one), 25 bits; the lowest fit, DIRECT_MAP_BASE, with aslr=off.
 */
static void place_direct_map(void)
{
	struct aslr_request q = {
		.lo = DIRECT_MAP_BASE, .hi = DIRECT_MAP_LIMIT,
		.size = ALIGN_UP(phys_end, LARGE_PAGE_SIZE), .align = LARGE_PAGE_SIZE,
	};

	if (aslr_pick_base("direct-map", &q, NULL, 0, &direct_map_base) < 0)
		panic("aslr: cannot place the direct map");
}

static int build_kernel_tables(uint64_t *root)
{
	int err = mmu_new_root(root);

	for (int i = 0; !err && i < boot->nram; i++)
		err = map_direct(*root, boot->ram[i].start, boot->ram[i].end);
	if (!err)
		err = map_image_section(*root, __text_start, __text_end, MAP_READ | MAP_EXEC);
	if (!err)
		err = map_image_section(*root, __rodata_start, __rodata_end, MAP_READ);
	if (!err)
		err = map_image_section(*root, __data_start, __data_end, MAP_READ | MAP_WRITE);
	if (!err && (uint64_t)__ksyms_end > (uint64_t)__ksyms_start)
		err = map_image_section(*root, __ksyms_start, __ksyms_end, MAP_READ);
	return err;
}

/*
 * Unmaps every page of [va, end) that holds a frame (present or not) and
 * frees the frames, with one TLB shootdown per batch of pages instead of
 * one per page (a shootdown is an IPI to every other CPU and a wait): the
 * entries of a batch are cleared, then shot down, and only then are their
 * frames freed, so that no CPU can reach a frame once it is reused.
 * Only pages that hold frames are visited (mmu_next_frame skips absent
 * tables). memory_lock held.
 */
void memory_unmap_frames_locked(uint64_t va, uint64_t end)
{
	uint64_t len = end - va;

	memory_unmap_ranges_locked(&va, &len, 1);
}

/*
 * The same for n ranges at once: the batches of pages run across the
 * ranges, so a caller that unmaps many small ranges (the hardened heap's
 * emptied slabs) pays one shootdown per UNMAP_BATCH pages, not one per
 * range.
 */
static unsigned shoot_and_free(const uint64_t *frames, unsigned n)
{
	tlb_shootdown();
	for (unsigned i = 0; i < n; i++)
		memory_free_frame(frames[i]);
	return 0;
}

void memory_unmap_ranges_locked(const uint64_t *va, const uint64_t *len, unsigned n)
{
	uint64_t frames[UNMAP_BATCH];
	unsigned nframes = 0;

	for (unsigned r = 0; r < n; r++) {
		uint64_t end = va[r] + len[r];

		for (uint64_t p = mmu_next_frame(mmu_root(), va[r], end); p < end;
		     p = mmu_next_frame(mmu_root(), p + PAGE_SIZE, end)) {
			if ((frames[nframes] = mmu_clear_frame(mmu_root(), p)))
				nframes++;
			if (nframes == UNMAP_BATCH)
				nframes = shoot_and_free(frames, nframes);
		}
	}
	if (nframes)
		shoot_and_free(frames, nframes);
}

static void unmap_and_free(uint64_t va, uint64_t npages)
{
	memory_unmap_frames_locked(va, va + npages * PAGE_SIZE);
}

/* Maps npages fresh frames at va, one by one (they need not be contiguous). */
static int map_fresh(uint64_t va, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t phys;
		int err = memory_frame_alloc(&phys);

		if (!err && (err = mmu_map(mmu_root(), va + i * PAGE_SIZE, phys, PAGE_SIZE,
					   MAP_READ | MAP_WRITE)))
			memory_free_frame(phys);
		if (err) {
			unmap_and_free(va, i); /* the pages mapped so far */
			return err;
		}
	}
	return 0;
}

/* A guard page, or none under guards=off (and before the settings are read). */
static uint64_t guard_bytes(void)
{
	return hardening->guards ? PAGE_SIZE : 0;
}

/*
 * Each stack at a base of its own, uniform over the free bases of the
 * stacks area (32 bits: 2^32 pages), its guard pages clear of every other
 * stack: one leaked stack address tells nothing of the others. With
 * aslr=off the planner gives the lowest fit, the old bump order.
 */
static uint64_t stack_place(uint64_t size)
{
	struct aslr_request q = {
		.lo = STACKS_BASE, .hi = STACKS_LIMIT, .size = size, .align = PAGE_SIZE,
		.guard_before = guard_bytes(), .guard_after = guard_bytes(),
	};
	uint64_t base;
	int i;

	if (aslr_pick_base(NULL, &q, stack_places, (size_t)nstacks, &base) < 0 ||
	    map_fresh(base, size / PAGE_SIZE))
		return 0;
	if (kasan_map_shadow(base - guard_bytes(), size + 2 * guard_bytes())) {
		unmap_and_free(base, size / PAGE_SIZE);
		return 0;
	}
	for (i = nstacks; i > 0 && stack_places[i - 1].start > base; i--)
		stack_places[i] = stack_places[i - 1];
	stack_places[i] = (struct aslr_region){
		.start = base, .end = base + size,
		.guard_before = guard_bytes(), .guard_after = guard_bytes(),
	};
	return base;
}

/* layout=show names the first stack of each kind (the main thread's). */
static void stack_report(const char *name, uint64_t base)
{
	static const struct { const char *stack, *region; } kinds[] = {
		{ "kernel-main", "thread-stack" },
		{ "ist-stack:double-fault", "ist-stack" },
		{ "sys:main", "syscall-stack" },
	};

	for (size_t i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(name, kinds[i].stack) == 0)
			aslr_layout_report(kinds[i].region, base);
}

/*
 * Stacks. Each stack gets a record (for fault reports: which stack's guard
 * was hit); a freed stack keeps its mapping and its record and is handed
 * out again to the next request of the same size, so that creating and
 * joining threads does not rewrite page tables each time.
 */
static uint64_t stack_alloc_locked(const char *name, size_t size, unsigned flags)
{
	struct stack_record *free_rec = NULL;
	uint64_t base;

	size = ALIGN_UP(size, PAGE_SIZE);
	for (int i = 0; i < nstacks; i++) {
		struct stack_record *s = &stacks[i];

		if (!s->in_use && s->region.end - s->region.start == size) {
			free_rec = s;
			break;
		}
	}
	if (!free_rec) {
		if (nstacks == MAX_STACKS)
			return 0;
		base = stack_place(size);
		if (!base)
			return 0;
		free_rec = &stacks[nstacks];
		free_rec->region = (struct vm_region){
			.start = base, .end = base + size, .guard = guard_bytes(),
			.kind = VM_REGION_STACK, .name = free_rec->name,
		};
		/* Publish the record only once it is complete (fault reports read it). */
		__atomic_store_n(&nstacks, nstacks + 1, __ATOMIC_RELEASE);
	}
	strncpy_bounded(free_rec->name, name, sizeof(free_rec->name));
	free_rec->region.flags = flags; /* a reused record takes its new owner's */
	free_rec->in_use = true;
	return free_rec->region.end;
}

static uint64_t stack_alloc(const char *name, size_t size, unsigned region_flags)
{
	uint64_t flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	uint64_t top = stack_alloc_locked(name, size, region_flags);

	spin_unlock_irqrestore(&memory_lock, flags);
	if (top) {
		/* A reused stack keeps the redzones of its last owner's frames. */
		kasan_unpoison(top - ALIGN_UP(size, PAGE_SIZE), ALIGN_UP(size, PAGE_SIZE));
		stack_report(name, top - ALIGN_UP(size, PAGE_SIZE));
	}
	return top;
}

uint64_t memory_alloc_stack(const char *name, size_t size)
{
	return stack_alloc(name, size, 0);
}

uint64_t memory_alloc_app_stack(const char *name, size_t size)
{
	return stack_alloc(name, size, VM_REGION_APP_MEMORY);
}

void memory_free_stack(uint64_t top)
{
	uint64_t flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);

	for (int i = 0; i < nstacks; i++) {
		if (stacks[i].in_use && stacks[i].region.end == top) {
			stacks[i].in_use = false;
			stacks[i].region.flags = 0; /* no longer anyone's memory */
			break;
		}
	}
	spin_unlock_irqrestore(&memory_lock, flags);
}

/*
 * The lookups below run in fault reports, possibly while this CPU holds
 * memory_lock: they take no lock. Records are only ever appended, and the
 * count is published after the record is written. Heaps are added at boot
 * only: the table and its explain functions are read-only after boot.
 */
static struct {
	struct vm_region region;
	enum vm_region_kind (*explain)(uint64_t addr);
} heaps[MEMORY_MAX_HEAPS] __ro_after_init;
static int nheaps __ro_after_init;
/* The region a fault report names: a heap's, with the kind explain found. */
static struct vm_region heap_fault;

void memory_add_heap(uint64_t start, uint64_t end, const char *name,
		     enum vm_region_kind (*explain)(uint64_t addr))
{
	if (nheaps == MEMORY_MAX_HEAPS)
		panic("memory_add_heap: more than %d heaps", MEMORY_MAX_HEAPS);
	heaps[nheaps].region = (struct vm_region){
		.start = start, .end = end, .kind = VM_REGION_HEAP, .name = name,
	};
	heaps[nheaps].explain = explain;
	__atomic_store_n(&nheaps, nheaps + 1, __ATOMIC_RELEASE);
}

/* A hardened heap's guard page or freed memory (one report at a time uses the record). */
static const struct vm_region *heap_fault_region(uint64_t addr)
{
	int n = __atomic_load_n(&nheaps, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++) {
		const struct vm_region *r = &heaps[i].region;
		enum vm_region_kind k;

		if (addr < r->start || addr >= r->end)
			continue;
		k = heaps[i].explain(addr);
		if (k == VM_REGION_HEAP_GUARD || k == VM_REGION_HEAP_FREED) {
			heap_fault = *r;
			heap_fault.kind = k;
			return &heap_fault;
		}
	}
	return NULL;
}

const struct vm_region *memory_guard_region(uint64_t addr)
{
	static const struct vm_region heap_area = {
		.start = KHEAP_BASE, .end = KHEAP_LIMIT, .guard = 0,
		.kind = VM_REGION_HEAP, .name = "kernel-heap",
	};
	int n = __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE);
	const struct vm_region *h = heap_fault_region(addr);

	if (h)
		return h;
	/* Heap blocks are not recorded one by one: any hole in the area counts. */
	if (addr >= KHEAP_BASE && addr < KHEAP_LIMIT &&
	    !mmu_lookup(mmu_root(), addr, NULL, NULL))
		return &heap_area;
	/*
	 * Two stacks placed side by side (aslr=off) share a guard page: the one
	 * above it is named, since stacks grow down and that is the stack that
	 * ran into it; only then the guard above a stack (an underflow).
	 */
	for (int i = 0; i < n; i++) {
		const struct vm_region *r = &stacks[i].region;

		if (addr >= r->start - r->guard && addr < r->start)
			return r;
	}
	for (int i = 0; i < n; i++) {
		const struct vm_region *r = &stacks[i].region;

		if (addr >= r->end && addr < r->end + r->guard)
			return r;
	}
	return NULL;
}

void memory_for_each_region(void (*fn)(const struct vm_region *r, void *ctx), void *ctx)
{
	int n = __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (stacks[i].in_use)
			fn(&stacks[i].region, ctx);
	n = __atomic_load_n(&nheaps, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		fn(&heaps[i].region, ctx);
}

/*
 * memory_region's hints: the record last found for an address's 16 KiB
 * neighbourhood. Every system call with a buffer on a stack asks (the
 * syscall layer's range check), and a search through all the stacks was
 * 260 instructions a time with a few dozen threads. Records never move or
 * overlap (a freed one keeps its bounds), so a hint is checked like any
 * record: a stale one, or another CPU's write, costs the search, never a
 * wrong answer.
 */
#define REGION_HINTS 64
static int region_hints[REGION_HINTS];

const struct vm_region *memory_region(uint64_t addr)
{
	int n = __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE);
	int *hint = &region_hints[(addr >> 14) % REGION_HINTS];
	int h = __atomic_load_n(hint, __ATOMIC_RELAXED);

	if (h < n && addr >= stacks[h].region.start && addr < stacks[h].region.end)
		return &stacks[h].region;
	for (int i = 0; i < n; i++) {
		if (addr >= stacks[i].region.start && addr < stacks[i].region.end) {
			__atomic_store_n(hint, i, __ATOMIC_RELAXED);
			return &stacks[i].region;
		}
	}
	return NULL;
}

/*
 * The kernel heap's pages (hardening/heaps.c places its slabs and blocks,
 * and their guards): fresh frames, read-write, in the heap area.
 */
int memory_kheap_map(uint64_t va, size_t len)
{
	uint64_t flags;
	int err;

	if ((va | len) & (PAGE_SIZE - 1) || va < KHEAP_BASE || len > KHEAP_LIMIT - va)
		return -EINVAL;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	err = map_fresh(va, len / PAGE_SIZE);
	if (!err && (err = kasan_map_shadow(va, len)))
		unmap_and_free(va, len / PAGE_SIZE);
	spin_unlock_irqrestore(&memory_lock, flags);
	return err ? -ENOMEM : 0;
}

void memory_kheap_unmap(uint64_t va, size_t len)
{
	uint64_t flags;

	if ((va | len) & (PAGE_SIZE - 1) || va < KHEAP_BASE || len > KHEAP_LIMIT - va)
		return;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	unmap_and_free(va, len / PAGE_SIZE);
	spin_unlock_irqrestore(&memory_lock, flags);
}

void memory_kheap_unmap_many(const uint64_t *va, const uint64_t *len, unsigned n)
{
	uint64_t flags;

	for (unsigned i = 0; i < n; i++)
		if ((va[i] | len[i]) & (PAGE_SIZE - 1) || va[i] < KHEAP_BASE ||
		    len[i] > KHEAP_LIMIT - va[i])
			return;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	memory_unmap_ranges_locked(va, len, n);
	spin_unlock_irqrestore(&memory_lock, flags);
}

int memory_kheap_protect_batched(uint64_t va, size_t len, bool access)
{
	uint64_t flags;
	int err;

	if ((va | len) & (PAGE_SIZE - 1) || va < KHEAP_BASE || len > KHEAP_LIMIT - va)
		return -EINVAL;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	err = mmu_protect_local(mmu_root(), va, len, access ? MAP_READ | MAP_WRITE : MAP_NOACCESS);
	spin_unlock_irqrestore(&memory_lock, flags);
	return err;
}

static void count_ram(void)
{
	usable_bytes = 0;
	phys_end = 0;
	for (int i = 0; i < boot->nram; i++) {
		usable_bytes += boot->ram[i].end - boot->ram[i].start;
		if (boot->ram[i].end > phys_end)
			phys_end = boot->ram[i].end;
	}
}

/* Free RAM, for the shrinkers' watermark (carapace/shrinker.h). */
static size_t free_bytes(void)
{
	return (size_t)(__atomic_load_n(&pfa.free_frames, __ATOMIC_RELAXED) * PAGE_SIZE);
}

int memory_init(const struct boot_info *bi, char *err, size_t err_size)
{
	uint64_t root, bitmap_phys, bitmap_bytes;

	boot = bi;
	image_start = bi->image_phys_start;
	image_end = ALIGN_UP(bi->image_phys_end, PAGE_SIZE);
	count_ram();
	if (usable_bytes < MEMORY_MIN_MIB * MIB || early_init()) {
		fmt_snprintf(err, err_size,
			     "not enough memory: %llu MiB usable, Carapace needs at least %u MiB",
			     (unsigned long long)(usable_bytes / MIB), MEMORY_MIN_MIB);
		return -ENOMEM;
	}

	mmu_init(KERNEL_VMA, early_frame_alloc);
	place_direct_map();
	bitmap_bytes = ALIGN_UP(pfa_bitmap_bytes(phys_end), PAGE_SIZE);
	bitmap_phys = early.next;
	early.next += bitmap_bytes;
	if (early.next > early.limit || build_kernel_tables(&root)) {
		fmt_snprintf(err, err_size,
			     "not enough memory below %u MiB for the kernel's page tables",
			     BOOT_MAPPED_BYTES / (unsigned)MIB);
		return -ENOMEM;
	}
	mmu_activate(root);
	mmu_set_phys_window(direct_map_base);

	pfa_init(&pfa, mmu_phys_to_virt(bitmap_phys), phys_end);
	for (int i = 0; i < bi->nram; i++)
		pfa_add_range(&pfa, bi->ram[i].start, bi->ram[i].end);
	/* Low memory, the image, the boot modules and all the early allocator gave out. */
	pfa_reserve_range(&pfa, 0, early.next);
	early_used = early.next - early.start;
	mmu_init(direct_map_base, memory_frame_alloc);
	/* SAN=kasan: the shadow, before the first stack or heap page is mapped. */
	kasan_init(direct_map_base, phys_end);

	/* The device window from a random page of its first half. */
	{
		struct aslr_request q = {
			.lo = PHYS_MAP_BASE, .hi = PHYS_MAP_LIMIT,
			.size = (PHYS_MAP_LIMIT - PHYS_MAP_BASE) / 2, .align = PAGE_SIZE,
		};

		if (aslr_pick_base("phys-map", &q, NULL, 0, &phys_map_next) < 0)
			panic("aslr: cannot place the device window");
	}
	kernel_heap_init(); /* stacks are placed one by one (stack_place) */
	/*
	 * Shrinkers are asked for memory when an allocation would leave less
	 * than 1/32 of usable RAM (at least 2 MiB) free: room for the kernel's
	 * own allocations (stacks, page tables, network buffers) meanwhile.
	 */
	shrinker_init(free_bytes, usable_bytes / 32 > 2 * MIB ? usable_bytes / 32 : 2 * MIB);
	return 0;
}

void memory_print_summary(void)
{
	kprintf("memory: %llu MiB usable in %d ranges, %llu MiB free\n",
		(unsigned long long)(usable_bytes / MIB), boot->nram,
		(unsigned long long)(pfa.free_frames * PAGE_SIZE / MIB));
	for (int i = 0; i < boot->nram; i++)
		kprintf("memory:   ram  0x%016llx-0x%016llx\n",
			(unsigned long long)boot->ram[i].start,
			(unsigned long long)boot->ram[i].end);
	kprintf("memory:   image 0x%016llx-0x%016llx (%llu KiB), early tables and bitmap %llu KiB\n",
		(unsigned long long)image_start, (unsigned long long)image_end,
		(unsigned long long)((image_end - image_start) / 1024),
		(unsigned long long)(early_used / 1024));
	kprintf("memory:   text 0x%llx-0x%llx r-x, rodata 0x%llx-0x%llx r--, data 0x%llx-0x%llx rw-\n",
		(unsigned long long)__text_start, (unsigned long long)__text_end,
		(unsigned long long)__rodata_start, (unsigned long long)__rodata_end,
		(unsigned long long)__data_start, (unsigned long long)__data_end);
	kprintf("memory:   direct map at 0x%llx (rw-), page 0 unmapped\n",
		(unsigned long long)direct_map_base);
}

uint64_t memory_free_frames(void)
{
	return pfa.free_frames;
}

uint64_t memory_usable_frames(void)
{
	return pfa.usable_frames;
}

struct pfa *memory_pfa(void)
{
	return &pfa;
}

/*
 * Physical ranges that are not RAM the kernel owns get their own virtual
 * area, each mapping between unmapped pages, as stacks do.
 */

#define PHYS_ADDR_LIMIT (1ull << 52) /* the architecture's widest physical address */

uint64_t memory_map_phys(uint64_t phys, size_t size, unsigned prot)
{
	uint64_t align = (prot & MAP_LARGE) ? LARGE_PAGE_SIZE : PAGE_SIZE;
	uint64_t off = phys & (PAGE_SIZE - 1), len = ALIGN_UP(off + size, PAGE_SIZE);
	uint64_t flags, va;

	if (size == 0 || (prot & MAP_EXEC) || len < size ||
	    phys >= PHYS_ADDR_LIMIT || size > PHYS_ADDR_LIMIT - phys)
		return 0;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	/* 2 MiB pages need a 2 MiB-aligned address; the gap below is the guard. */
	va = ALIGN_UP(phys_map_next + PAGE_SIZE, align);
	if (len > PHYS_MAP_LIMIT - PAGE_SIZE - va ||
	    mmu_map(mmu_root(), va, phys - off, len, prot) || kasan_map_shadow(va, len)) {
		mmu_unmap(mmu_root(), va, len); /* whatever part got mapped */
		va = 0;
	} else {
		phys_map_next = va + len;
	}
	spin_unlock_irqrestore(&memory_lock, flags);
	return va ? va + off : 0;
}

bool memory_overlaps_ram(uint64_t phys, uint64_t size)
{
	uint64_t end = size > UINT64_MAX - phys ? UINT64_MAX : phys + size;

	for (int i = 0; i < boot->nram; i++)
		if (phys < boot->ram[i].end && boot->ram[i].start < end)
			return true;
	return false;
}

uint64_t memory_map_mmio(uint64_t phys, size_t size)
{
	return memory_map_phys(phys, size, MAP_READ | MAP_WRITE | MAP_UNCACHED);
}

void memory_unmap_phys(uint64_t va, size_t size)
{
	uint64_t off = va & (PAGE_SIZE - 1), flags;

	if (va < PHYS_MAP_BASE || va >= PHYS_MAP_LIMIT || size == 0)
		return;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	mmu_unmap(mmu_root(), va - off, ALIGN_UP(off + size, PAGE_SIZE));
	spin_unlock_irqrestore(&memory_lock, flags);
}

/*
 * Memory a device reads and writes (virtio rings and buffers): whole zeroed
 * frames, physically contiguous, reached through the direct map (cached:
 * DMA is coherent on x86). Never freed while a device may still use it.
 */
void *memory_alloc_dma(size_t size, uint64_t *phys)
{
	uint64_t frames = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE, flags;
	int err;

	if (size == 0)
		return NULL;
	flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);
	err = pfa_alloc(&pfa, frames, 1, phys);
	spin_unlock_irqrestore(&memory_lock, flags);
	if (err)
		return NULL;
	memset(mmu_phys_to_virt(*phys), 0, frames * PAGE_SIZE);
	return mmu_phys_to_virt(*phys);
}

/* The frame allocator never hands out low memory (memory_init reserves it). */
uint64_t memory_low_page(void)
{
	for (int i = 0; i < boot->nram; i++) {
		uint64_t start = ALIGN_UP(boot->ram[i].start, PAGE_SIZE);

		if (start < PAGE_SIZE)
			start = PAGE_SIZE; /* the real-mode IVT and BIOS data area */
		if (start + PAGE_SIZE <= boot->ram[i].end && start + PAGE_SIZE <= LOW_MEMORY_END) {
			uint64_t flags = spin_lock_irqsave_polling(&memory_lock, tlb_poll);

			pfa_reserve_range(&pfa, start, start + PAGE_SIZE);
			spin_unlock_irqrestore(&memory_lock, flags);
			return start;
		}
	}
	return 0;
}
