/*
 * x86_64 4-level page tables: map, unmap, look up and walk. The tables are
 * reached through a window in which all physical memory is visible: the
 * boot mapping at first, the direct map once the kernel's own tables are on.
 */
#ifndef CARAPACE_MMU_H
#define CARAPACE_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PTE_P        (1ull << 0)
#define PTE_W        (1ull << 1)
#define PTE_U        (1ull << 2)
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_D        (1ull << 6)  /* dirty: the CPU sets it on a write through the entry */
#define PTE_PS       (1ull << 7)  /* a 2 MiB (or 1 GiB) page */
#define PTE_G        (1ull << 8)
#define PTE_NX       (1ull << 63)
#define PTE_ADDR     0x000ffffffffff000ull

/* Permissions of a mapping, as the callers think of them. */
#define MAP_READ     0x0
#define MAP_WRITE    0x1
#define MAP_EXEC     0x2
#define MAP_LARGE    0x4 /* may use 2 MiB pages where aligned */
#define MAP_UNCACHED 0x8 /* device memory: PCD and PWT, uncached with the default PAT */
#define MAP_NOACCESS 0x10 /* mmu_protect: not present, but the entry keeps its frame */

/* Supplies zeroed frames for page-table pages; returns 0 or -ENOMEM. */
typedef int (*mmu_frame_alloc_fn)(uint64_t *phys);

void mmu_init(uint64_t phys_window, mmu_frame_alloc_fn alloc);
void mmu_set_phys_window(uint64_t phys_window);
void *mmu_phys_to_virt(uint64_t phys);

/* Makes a new, empty top-level table; returns 0 or -ENOMEM. */
int mmu_new_root(uint64_t *root_phys);
/* Switches to root (CR3) and makes it the one mmu_* calls act on. */
void mmu_activate(uint64_t root_phys);
uint64_t mmu_root(void);

/*
 * Maps [va, va+size) to [pa, pa+size) with prot (MAP_*). The range must be
 * page-aligned and not mapped yet (-EEXIST). A request for write and execute
 * together is refused (-EACCES): W^X holds for every kernel mapping, and
 * for the application's (the low half) unless the boot option wx=allow was given.
 */
int mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned prot);

/*
 * Unmaps the pages in [va, va+size): 4 KiB pages, and 2 MiB pages that the
 * range covers whole. Returns the number of pages unmapped.
 */
uint64_t mmu_unmap(uint64_t root, uint64_t va, uint64_t size);

/*
 * Looks va up without faulting. Returns true and the leaf entry (and the
 * size of the page) when it is mapped.
 */
bool mmu_lookup(uint64_t root, uint64_t va, uint64_t *pte, uint64_t *page_size);
/*
 * How many 4 KiB pages from va's on (at most max_pages) are mapped present
 * with every bit of bits set in their leaf entry (PTE_W: writable): one
 * walk down, then the leaf table's entries in turn. For checking a long
 * buffer without a lookup per page.
 */
size_t mmu_present_run(uint64_t root, uint64_t va, size_t max_pages, uint64_t bits);
/* Whether va's 4 KiB page holds a frame but is not present (MAP_NOACCESS: PROT_NONE). */
bool mmu_is_noaccess(uint64_t root, uint64_t va);

/*
 * Changes the permissions of the 4 KiB pages in [va, va+size) to prot
 * (MAP_READ, MAP_WRITE, MAP_EXEC or MAP_NOACCESS; write and execute
 * together: -EACCES). With MAP_NOACCESS a page becomes not present but its
 * entry keeps the frame, so a later mmu_protect can make it present again.
 * Every page must hold a frame (present or not) and none may be part of a
 * 2 MiB page, else -ENOMEM and nothing changes. Returns 0.
 */
int mmu_protect(uint64_t root, uint64_t va, uint64_t size, unsigned prot);
/*
 * mmu_protect without the TLB shootdown: this CPU's entries are dropped
 * (invlpg), other CPUs may use the old permission until the caller's next
 * tlb_shootdown. For batches of changes that need one shootdown in all.
 */
int mmu_protect_local(uint64_t root, uint64_t va, uint64_t size, unsigned prot);
/*
 * Clears va's 4 KiB entry if it holds a frame (present or MAP_NOACCESS) and
 * returns the frame (0: none), dropping this CPU's entry but shooting down
 * no other: the caller calls tlb_shootdown once for a batch of pages, and
 * only then frees their frames.
 */
uint64_t mmu_clear_frame(uint64_t root, uint64_t va);

/*
 * The pages of [va, va + npages pages) (npages <= 64) written since their
 * dirty bits were last cleared: bit i for page i. A page whose entry is
 * not a present 4 KiB page counts as written (nothing tells otherwise).
 */
uint64_t mmu_written_pages(uint64_t root, uint64_t va, unsigned npages);
/*
 * Clears the dirty bits of the pages in mask (bit i: page va + i pages),
 * dropping this CPU's entries so that its next write sets them again;
 * other CPUs may still write through entries they cached dirty.
 */
void mmu_clear_written(uint64_t root, uint64_t va, uint64_t mask);

/*
 * The first page in [va, end) whose 4 KiB entry holds a frame (present or
 * MAP_NOACCESS), or end; skips absent tables without visiting their pages.
 */
uint64_t mmu_next_frame(uint64_t root, uint64_t va, uint64_t end);

/* Boot option wx=allow (hardening->wx_allow): write+execute pages are then
 * accepted below LOW_HALF_END (the application's mappings), never above. */
bool mmu_app_wx(void);
/* Calls fn for every present leaf mapping, in address order. */
void mmu_walk(uint64_t root,
	      void (*fn)(void *ctx, uint64_t va, uint64_t pte, uint64_t size),
	      void *ctx);

#endif
