/*
 * Kernel memory: the physical frame allocator, the kernel's page tables,
 * guard-paged stacks and the kernel heap.
 */
#ifndef CARAPACE_MEMORY_H
#define CARAPACE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carapace/boot.h>
#include <carapace/kheap.h> /* kmalloc, kfree: its callers include this header */

/* Less usable RAM than this and the boot stops with a clear message. */
#define MEMORY_MIN_MIB 32

enum vm_region_kind {
	VM_REGION_STACK,
	VM_REGION_HEAP,
	VM_REGION_HEAP_GUARD, /* a hardened heap's guard page (heap-overflow) */
	VM_REGION_HEAP_FREED, /* a hardened heap's freed memory (use-after-free) */
};

/*
 * What a region's memory is for, beyond its kind. VM_REGION_APP_MEMORY:
 * the application's own memory although it lies in the kernel's half (its
 * main stack), so system calls take buffers there as they do in the low
 * half. Every other kernel region is refused as a syscall buffer
 * (syscall/syscalls.c), whatever its name.
 */
#define VM_REGION_APP_MEMORY 0x1u

/* A mapped range with an unmapped guard page on each side. */
struct vm_region {
	uint64_t start, end; /* the mapped part, [start, end) */
	uint64_t guard;      /* bytes of guard below start and above end */
	enum vm_region_kind kind;
	unsigned flags;      /* VM_REGION_APP_MEMORY or 0 */
	const char *name;
};

/*
 * Builds the kernel's page tables (W^X image, NX direct map, no page 0),
 * switches to them and starts the frame allocator and the kernel heap.
 * Returns 0, or -ENOMEM with a message in err when there is too little RAM.
 */
int memory_init(const struct boot_info *bi, char *err, size_t err_size);

/* Prints the memory map summary (boot option "verbose"). */
void memory_print_summary(void);

/*
 * A stack between guard pages, named for fault reports (the name is
 * copied); returns its top, or 0 when out of memory. Thread-safe.
 */
uint64_t memory_alloc_stack(const char *name, size_t size);
/* The same, for a stack that is the application's (VM_REGION_APP_MEMORY). */
uint64_t memory_alloc_app_stack(const char *name, size_t size);
/* Gives a stack back (by its top) for reuse; its guard pages stay. */
void memory_free_stack(uint64_t top);

/* The region whose guard pages contain addr (of two stacks sharing one, the
 * stack above it: the one that ran into it), or NULL. */
const struct vm_region *memory_guard_region(uint64_t addr);
/*
 * A hardened heap on [start, end) (hardening/heaps.c): memory_guard_region
 * asks explain about a fault there, which returns VM_REGION_HEAP_GUARD,
 * VM_REGION_HEAP_FREED, or VM_REGION_HEAP (nothing to say). explain must
 * take no lock. At most MEMORY_MAX_HEAPS heaps; call at boot.
 */
#define MEMORY_MAX_HEAPS 4
void memory_add_heap(uint64_t start, uint64_t end, const char *name,
		     enum vm_region_kind (*explain)(uint64_t addr));
/*
 * Calls fn for each stack in use, the kernel heap's used part and each
 * heap added with memory_add_heap (guards=show). Takes no lock.
 */
void memory_for_each_region(void (*fn)(const struct vm_region *r, void *ctx), void *ctx);
/* The region whose mapped part contains addr, or NULL. */
const struct vm_region *memory_region(uint64_t addr);

/*
 * Maps physical memory that is not the kernel's RAM (device registers,
 * firmware tables) into a fresh virtual range, never executable. prot is
 * MAP_READ, MAP_WRITE, MAP_UNCACHED, MAP_LARGE (carapace/mmu.h; 2 MiB
 * pages where phys is aligned: one entry to write instead of 512). Returns
 * the virtual address of phys, or 0. Thread-safe.
 */
uint64_t memory_map_phys(uint64_t phys, size_t size, unsigned prot);
/*
 * Whether [phys, phys + size) touches usable RAM (a device BAR placed
 * there would let register writes land in the kernel's memory).
 */
bool memory_overlaps_ram(uint64_t phys, uint64_t size);
/* Device registers: read-write, uncached. */
uint64_t memory_map_mmio(uint64_t phys, size_t size);
/* Undoes memory_map_phys (the virtual range is not reused). */
void memory_unmap_phys(uint64_t va, size_t size);

/*
 * Zeroed, physically contiguous memory for a device to read and write
 * (DMA: virtio rings and buffers), in whole pages; its physical address in
 * *phys. NULL when out of memory. Thread-safe.
 */
void *memory_alloc_dma(size_t size, uint64_t *phys);

/*
 * A usable RAM page below 640 KiB for real-mode code, reserved in the frame
 * allocator for good (reachable through the direct map); 0 if none.
 */
uint64_t memory_low_page(void);

/*
 * The application's memory (mmap, brk): page-aligned ranges in the low
 * half of the address space (from 64 KiB up), in 4 KiB pages. prot is a
 * mix of MEMORY_PROT_* (Linux's PROT_ values); 0 maps the range with no
 * access (the pages exist but are not present). Write and execute together
 * are refused (-EACCES) unless the boot option wx=allow lifted W^X for the
 * application's memory.
 *
 * Every range must lie wholly in [APP_AREA_START, LOW_HALF_END), be
 * page-aligned and not empty (memory_app_range); any other range is
 * refused before anything is done, so no call here reaches kernel memory.
 *
 * memory_map_anon replaces whatever the range held with fresh zeroed
 * frames: 0, -EINVAL (bad range) or -ENOMEM (more pages than free frames:
 * nothing changed; or the frames ran out midway: the range is unmapped).
 * memory_unmap frees every frame in the range, visiting only the pages
 * that hold one; memory_unmap_many does so for n ranges with one TLB
 * shootdown per 64 pages of them all (nothing if any range is bad). memory_protect changes the
 * permissions of a range whose pages are all mapped: 0, -EINVAL, -EACCES
 * or -ENOMEM (a page of it is not mapped; nothing changed).
 * memory_app_mapped: whether every page of the range holds a frame
 * (PROT_NONE pages included). Thread-safe; TLBs are shot down.
 * memory_protect_batched is memory_protect that drops only this CPU's
 * stale entries: other CPUs keep the old permission until the caller's
 * next tlb_shootdown (the hardened heap's freed large blocks, one
 * shootdown per batch of frees).
 */
#define MEMORY_PROT_READ  0x1
#define MEMORY_PROT_WRITE 0x2
#define MEMORY_PROT_EXEC  0x4
int memory_map_anon(uint64_t va, size_t len, unsigned prot);
void memory_unmap(uint64_t va, size_t len);
void memory_unmap_many(const uint64_t *va, const uint64_t *len, unsigned n);
int memory_protect(uint64_t va, size_t len, unsigned prot);
int memory_protect_batched(uint64_t va, size_t len, unsigned prot);
bool memory_app_range(uint64_t va, size_t len);
/*
 * The application pages of [va, va + npages pages) (npages <= 64) written
 * since memory_pages_clean last cleaned them: bit i for page i (a page it
 * cannot tell about counts as written, and so does every page of a
 * range outside the application's). memory_pages_clean clears the record of the pages in
 * mask, on this CPU's TLB only: other CPUs may write through entries
 * they cached dirty until the caller's next tlb_shootdown (the hardened
 * heap, which zeroes and checks only the pages a medium block had
 * written, shoots down once per batch and checks the pages again).
 */
uint64_t memory_pages_written(uint64_t va, unsigned npages);
void memory_pages_clean(uint64_t va, unsigned npages, uint64_t mask);
bool memory_app_mapped(uint64_t va, size_t len);

/*
 * The application's regions, each at a random place (mm/app_layout.c;
 * fixed with aslr=off), reported by layout=show.
 *
 * app_pick_image_base reserves span bytes (rounded up to pages) for the
 * ELF object called name, aligned to align, between guard pages, clear of
 * every other object; returns the base (not mapped yet), or 0 when no
 * room is left. memory_alloc_main_stack is memory_alloc_app_stack's
 * "main-stack" less a random 16-byte-aligned offset (under one page):
 * the top to build argv, envp and auxv under; 0 when out of memory.
 */
uint64_t app_pick_image_base(const char *name, uint64_t span, uint64_t align);
uint64_t memory_alloc_main_stack(size_t size);
/*
 * Whether [va, va + len) lies in the application's main stack (in the
 * kernel's half, unlike every other application region): mlock of a
 * buffer on it is accepted, as nothing there is ever paged out.
 */
bool memory_in_main_stack(uint64_t va, size_t len);

/*
 * The kernel heap's pages (kmalloc itself is hardening/heaps.c's,
 * carapace/kheap.h): fresh frames, read-write, mapped by memory_kheap_map
 * (-EINVAL outside the kernel heap area, -ENOMEM) and unmapped by
 * memory_kheap_unmap (memory_kheap_unmap_many: n ranges, the shootdowns
 * shared, as memory_unmap_many). memory_kheap_protect_batched makes mapped pages
 * inaccessible (keeping their frames) or read-write again, as
 * memory_protect_batched does: other CPUs see it at the next shootdown.
 */
int memory_kheap_map(uint64_t va, size_t len);
void memory_kheap_unmap(uint64_t va, size_t len);
void memory_kheap_unmap_many(const uint64_t *va, const uint64_t *len, unsigned n);
int memory_kheap_protect_batched(uint64_t va, size_t len, bool access);

/*
 * Gives one frame back to the frame allocator. A frame that is free already
 * (or no RAM frame at all) means the page tables and the allocator
 * disagree, a broken kernel invariant: panic (status 128), never a silent
 * second owner of the frame.
 */
void memory_free_frame(uint64_t phys);
/*
 * One zeroed frame: 0, or -ENOMEM. The caller holds the memory lock or runs
 * alone at boot (kernel/mm/ and SAN=kasan's shadow, hardening/kasan.c).
 */
int memory_frame_alloc(uint64_t *phys);

/* Frames free now and usable in all, for reports and tests. */
uint64_t memory_free_frames(void);
uint64_t memory_usable_frames(void);
struct pfa *memory_pfa(void);

#endif
