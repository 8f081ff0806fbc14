/*
 * Page tables. Four levels of 512 entries; level 3 is the PML4, level 0 the
 * page table proper. Entries are created on demand with frames from the
 * caller's allocator.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <carapace/arch.h>
#include <carapace/hardening.h>
#include <carapace/layout.h>
#include <carapace/mmu.h>
#include <carapace/tlb.h>

#define ENTRIES 512
#define LEVEL_SHIFT(level) (12 + 9 * (level))
#define INDEX(va, level) (((va) >> LEVEL_SHIFT(level)) & (ENTRIES - 1))
/* The upper half of the address space starts with bit 47 set. */
#define CANONICAL(va) ((va) & (1ull << 47) ? (va) | 0xffff000000000000ull : (va))

/* Set at boot only (mmu_init, mmu_set_phys_window): read-only after boot. */
static uint64_t window __ro_after_init;
static mmu_frame_alloc_fn frame_alloc __ro_after_init;
static uint64_t active_root;
/* Boot option wx=allow, kept in the settings that are read-only after boot. */
bool mmu_app_wx(void)
{
	return hardening->wx_allow;
}

/* Write and execute together: never in the kernel's half, and in the
 * application's only under wx=allow. */
static bool wx_refused(uint64_t va, uint64_t size, unsigned prot)
{
	if (!(prot & MAP_WRITE) || !(prot & MAP_EXEC))
		return false;
	return !mmu_app_wx() || va >= LOW_HALF_END || size > LOW_HALF_END - va;
}

void mmu_init(uint64_t phys_window, mmu_frame_alloc_fn alloc)
{
	window = phys_window;
	frame_alloc = alloc;
	active_root = read_cr3() & PTE_ADDR;
}

void mmu_set_phys_window(uint64_t phys_window)
{
	window = phys_window;
}

void *mmu_phys_to_virt(uint64_t phys)
{
	return (void *)(window + phys);
}

static uint64_t *table_at(uint64_t phys)
{
	return mmu_phys_to_virt(phys & PTE_ADDR);
}

static int new_table(uint64_t *phys)
{
	int err = frame_alloc(phys);

	if (err)
		return err;
	memset(table_at(*phys), 0, PAGE_SIZE);
	return 0;
}

int mmu_new_root(uint64_t *root_phys)
{
	return new_table(root_phys);
}

void mmu_activate(uint64_t root_phys)
{
	active_root = root_phys;
	write_cr3(root_phys);
}

uint64_t mmu_root(void)
{
	return active_root;
}

/*
 * Returns the entry for va at level stop_level, creating the tables above
 * it. Intermediate entries are writable and executable: the leaf decides.
 */
static int walk_create(uint64_t root, uint64_t va, int stop_level, uint64_t **entry)
{
	uint64_t *table = table_at(root);

	for (int level = 3; level > stop_level; level--) {
		uint64_t *e = &table[INDEX(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t phys;
			int err = new_table(&phys);

			if (err)
				return err;
			*e = phys | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return -EEXIST; /* a large page is in the way */
		}
		table = table_at(*e);
	}
	*entry = &table[INDEX(va, stop_level)];
	return 0;
}

static uint64_t leaf_flags(unsigned prot)
{
	uint64_t flags = PTE_P | PTE_G;

	if (prot & MAP_WRITE)
		flags |= PTE_W;
	if (!(prot & MAP_EXEC))
		flags |= PTE_NX;
	if (prot & MAP_UNCACHED)
		flags |= PTE_PCD | PTE_PWT;
	return flags;
}

int mmu_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, unsigned prot)
{
	uint64_t flags = leaf_flags(prot);

	if (wx_refused(va, size, prot))
		return -EACCES;
	if ((va | pa | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	while (size) {
		bool large = (prot & MAP_LARGE) && size >= LARGE_PAGE_SIZE &&
			     !((va | pa) & (LARGE_PAGE_SIZE - 1));
		uint64_t step = large ? LARGE_PAGE_SIZE : PAGE_SIZE;
		uint64_t *e;
		int err = walk_create(root, va, large ? 1 : 0, &e);

		if (err)
			return err;
		if (*e & PTE_P)
			return -EEXIST;
		*e = pa | flags | (large ? PTE_PS : 0);
		va += step;
		pa += step;
		size -= step;
	}
	return 0;
}

uint64_t mmu_unmap(uint64_t root, uint64_t va, uint64_t size)
{
	uint64_t done = 0, step;

	for (uint64_t end = va + size; va < end; va += step) {
		uint64_t *table = table_at(root);
		int level;

		step = PAGE_SIZE;
		for (level = 3; level > 0; level--) {
			uint64_t e = table[INDEX(va, level)];

			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			table = table_at(e);
		}
		/* A 2 MiB page goes only when the range covers all of it. */
		if (level == 1 && (table[INDEX(va, 1)] & PTE_PS) &&
		    !(va & (LARGE_PAGE_SIZE - 1)) && end - va >= LARGE_PAGE_SIZE) {
			table[INDEX(va, 1)] = 0;
			step = LARGE_PAGE_SIZE;
		} else if (level != 0 || !(table[INDEX(va, 0)] & PTE_P)) {
			continue; /* not mapped, or inside a large page: left alone */
		} else {
			table[INDEX(va, 0)] = 0;
		}
		if (root == active_root)
			invlpg(va);
		done++;
	}
	if (done && root == active_root)
		tlb_shootdown(); /* other CPUs may cache what was unmapped */
	return done;
}

/* The 4 KiB leaf entry of va when it holds a frame (present or not), else NULL. */
static uint64_t *frame_entry(uint64_t root, uint64_t va)
{
	uint64_t *table = table_at(root);

	for (int level = 3; level > 0; level--) {
		uint64_t e = table[INDEX(va, level)];

		if (!(e & PTE_P) || (e & PTE_PS))
			return NULL;
		table = table_at(e);
	}
	return (table[INDEX(va, 0)] & PTE_ADDR) ? &table[INDEX(va, 0)] : NULL;
}

/*
 * The first page in [va, end) whose 4 KiB entry holds a frame (present or
 * not), or end. An absent table skips the whole span it would map, so an
 * empty range of any size costs a few steps per 512 GiB, not one per page.
 */
uint64_t mmu_next_frame(uint64_t root, uint64_t va, uint64_t end)
{
	while (va < end) {
		uint64_t *table = table_at(root), span = 0;
		int level;

		for (level = 3; level > 0; level--) {
			uint64_t e = table[INDEX(va, level)];

			if (!(e & PTE_P) || (e & PTE_PS)) {
				span = 1ull << LEVEL_SHIFT(level);
				break;
			}
			table = table_at(e);
		}
		if (level == 0) {
			if (table[INDEX(va, 0)] & PTE_ADDR)
				return va;
			span = PAGE_SIZE;
		}
		if ((va & ~(span - 1)) + span <= va) /* the top of the address space */
			return end;
		va = (va & ~(span - 1)) + span;
	}
	return end;
}

int mmu_protect_local(uint64_t root, uint64_t va, uint64_t size, unsigned prot)
{
	uint64_t flags = (prot & MAP_NOACCESS) ? 0 : leaf_flags(prot);

	if (wx_refused(va, size, prot))
		return -EACCES;
	if ((va | size) & (PAGE_SIZE - 1))
		return -EINVAL;
	for (uint64_t p = va; p < va + size; p += PAGE_SIZE)
		if (!frame_entry(root, p))
			return -ENOMEM;
	for (uint64_t p = va; p < va + size; p += PAGE_SIZE) {
		uint64_t *e = frame_entry(root, p);

		/*
		 * The dirty bit stays: it tells the hardened heap which pages
		 * were written (mmu_written_pages), also across an application's
		 * mprotect of its heap.
		 */
		*e = (*e & (PTE_ADDR | PTE_D)) | flags;
		if (root == active_root)
			invlpg(p);
	}
	return 0;
}

int mmu_protect(uint64_t root, uint64_t va, uint64_t size, unsigned prot)
{
	int err = mmu_protect_local(root, va, size, prot);

	if (!err && root == active_root)
		tlb_shootdown();
	return err;
}

uint64_t mmu_clear_frame(uint64_t root, uint64_t va)
{
	uint64_t *e = CANONICAL(va) == va ? frame_entry(root, va) : NULL;
	uint64_t frame;

	if (!e)
		return 0;
	frame = *e & PTE_ADDR;
	*e = 0;
	if (root == active_root)
		invlpg(va);
	return frame;
}

uint64_t mmu_written_pages(uint64_t root, uint64_t va, unsigned npages)
{
	uint64_t mask = 0;

	for (unsigned i = 0; i < npages && i < 64; i++) {
		uint64_t *e = frame_entry(root, va + (uint64_t)i * PAGE_SIZE);

		if (!e || !(*e & PTE_P) || (*e & PTE_D))
			mask |= 1ull << i;
	}
	return mask;
}

void mmu_clear_written(uint64_t root, uint64_t va, uint64_t mask)
{
	for (unsigned i = 0; i < 64 && (mask >> i); i++) {
		uint64_t p = va + (uint64_t)i * PAGE_SIZE, *e;

		if (!(mask >> i & 1) || !(e = frame_entry(root, p)))
			continue;
		/* Atomic: another CPU's walk may set the accessed bit meanwhile. */
		__atomic_fetch_and(e, ~PTE_D, __ATOMIC_RELAXED);
		if (root == active_root)
			invlpg(p);
	}
}

bool mmu_lookup(uint64_t root, uint64_t va, uint64_t *pte, uint64_t *page_size)
{
	uint64_t *table = table_at(root);

	if (CANONICAL(va) != va)
		return false;
	for (int level = 3; level >= 0; level--) {
		uint64_t e = table[INDEX(va, level)];

		if (!(e & PTE_P))
			return false;
		if (level == 0 || (e & PTE_PS)) {
			if (pte)
				*pte = e;
			if (page_size)
				*page_size = 1ull << LEVEL_SHIFT(level);
			return true;
		}
		table = table_at(e);
	}
	return false;
}

size_t mmu_present_run(uint64_t root, uint64_t va, size_t max_pages, uint64_t bits)
{
	size_t run = 0;

	va &= ~(uint64_t)(PAGE_SIZE - 1);
	while (run < max_pages && CANONICAL(va) == va) {
		uint64_t *table = table_at(root), e = 0;
		int level;

		/* Down to the entry that maps va: a 4 KiB page's table, or a large page. */
		for (level = 3; level >= 0; level--) {
			e = table[INDEX(va, level)];
			if (!(e & PTE_P) || level == 0 || (e & PTE_PS))
				break;
			table = table_at(e);
		}
		if ((e & (bits | PTE_P)) != (bits | PTE_P))
			return run;
		if (level > 0) { /* a large page: all of its pages from va on */
			uint64_t end = (va | ((1ull << LEVEL_SHIFT(level)) - 1)) + 1;

			run += (end - va) / PAGE_SIZE;
			if (end == 0)
				break; /* the last page of the address space */
			va = end;
			continue;
		}
		/* va's entry passed above; then the rest of this leaf table, one
		 * entry a page, without walking again. */
		run++;
		va += PAGE_SIZE;
		for (unsigned i = INDEX(va - PAGE_SIZE, 0) + 1; i < ENTRIES && run < max_pages; i++) {
			if ((table[i] & (bits | PTE_P)) != (bits | PTE_P))
				return run;
			run++;
			va += PAGE_SIZE;
		}
	}
	return run < max_pages ? run : max_pages;
}

bool mmu_is_noaccess(uint64_t root, uint64_t va)
{
	uint64_t *e = CANONICAL(va) == va ? frame_entry(root, va) : NULL;

	return e && !(*e & PTE_P);
}

static void walk_level(uint64_t *table, int level, uint64_t base,
		       void (*fn)(void *, uint64_t, uint64_t, uint64_t), void *ctx)
{
	for (int i = 0; i < ENTRIES; i++) {
		uint64_t e = table[i];
		uint64_t va = CANONICAL(base | ((uint64_t)i << LEVEL_SHIFT(level)));

		if (!(e & PTE_P))
			continue;
		if (level == 0 || (e & PTE_PS))
			fn(ctx, va, e, 1ull << LEVEL_SHIFT(level));
		else
			walk_level(table_at(e), level - 1, va, fn, ctx);
	}
}

void mmu_walk(uint64_t root, void (*fn)(void *, uint64_t, uint64_t, uint64_t),
	      void *ctx)
{
	walk_level(table_at(root), 3, 0, fn, ctx);
}
