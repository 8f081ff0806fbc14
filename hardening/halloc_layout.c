/*
 * halloc's layout: the reserved range cut into zones, the areas of each
 * size class, their cells, and the metadata of every cell, which lives in
 * zone 0, far from any block (a linear overflow out of a block meets guard
 * pages, never metadata). Also the lock-free explanation of a page fault.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "halloc_impl.h"

/*
 * Slot sizes of the small areas: four classes per doubling, so a block
 * wastes at most a quarter of its slot. Each slot carries the block and an
 * 8-byte canary, so a request may use a slot's size less HALLOC_CANARY.
 * Two more fit the powers of two that programs ask for most, 1 KiB and
 * 4 KiB, with their canary: a slot is zeroed whole when freed and read
 * whole when handed out again, so a 1024-byte request in a 1280-byte
 * slot (4096 in 5120) made both passes a quarter longer than needed.
 */
static const uint16_t slot_sizes[HALLOC_SMALL_CLASSES] = {
	16, 32, 48, 64, 80, 96, 112, 128,
	160, 192, 224, 256, 320, 384, 448, 512,
	640, 768, 896, 1024, 1040, 1280, 1536, 1792, 2048,
	2560, 3072, 3584, 4096, 4112, 5120, 6144, 7168, 8192,
	10240, 12288, 14336, 16384,
};

/* Slabs hold at least 16 slots, within 1 to 16 pages. */
static uint32_t slab_pages(uint32_t slot)
{
	uint32_t pages = (slot * 16 + HALLOC_PAGE - 1) / HALLOC_PAGE;

	return pages < 1 ? 1 : pages > SLAB_MAX_PAGES ? SLAB_MAX_PAGES : pages;
}

static uint32_t round8(uint32_t v)
{
	return (v + 7) & ~7u;
}

static void area_setup(struct halloc_area *a, uintptr_t base, uintptr_t meta,
		       size_t zone_bytes, size_t meta_bytes)
{
	size_t by_space = zone_bytes / a->cell_bytes;
	size_t by_meta = (meta_bytes - HALLOC_PAGE) / a->stride; /* last page: guard */

	a->base = base;
	a->meta = meta;
	a->cell_shift = (uint32_t)__builtin_ctzll(a->cell_bytes); /* a power of two */
	if (a->slot_bytes)
		a->slot_recip = (uint32_t)((((uint64_t)1 << 32) + a->slot_bytes - 1) / a->slot_bytes);
	a->ncells_max = (uint32_t)(by_space < by_meta ? by_space : by_meta);
	if (a->ncells_max > UINT32_MAX - 1)
		a->ncells_max = UINT32_MAX - 1;
}

int halloc_layout_init(struct halloc *h, uintptr_t base, size_t bytes)
{
	size_t zone = (bytes / HALLOC_ZONES) & ~(size_t)(HALLOC_PAGE - 1);
	size_t meta_slice = (zone / (HALLOC_ZONES - 1)) & ~(size_t)(HALLOC_PAGE - 1);
	int n = 0;

	if ((base & (HALLOC_PAGE - 1)) || zone < ((size_t)1 << 20) ||
	    bytes > UINTPTR_MAX - base)
		return -EINVAL;
	h->base = base;
	h->end = base + zone * HALLOC_ZONES;
	h->zone_bytes = zone;
	for (int c = 0; c < HALLOC_SMALL_CLASSES; c++, n++) {
		struct halloc_area *a = &h->areas[n];

		a->slot_bytes = slot_sizes[c];
		a->data_pages = slab_pages(a->slot_bytes);
		a->nslots = a->data_pages * HALLOC_PAGE / a->slot_bytes;
		a->cell_bytes = (size_t)SLAB_CELL_PAGES * HALLOC_PAGE;
		a->stride = round8(sizeof(struct slab_meta) + ((a->nslots + 1) & ~1u) +
				   2 * a->nslots);
		area_setup(a, base + zone * (n + 1), base + meta_slice * n, zone, meta_slice);
	}
	for (int shift = LARGE_MIN_SHIFT;
	     n < HALLOC_ZONES - 1 && ((size_t)1 << shift) <= zone / 2; shift++, n++) {
		struct halloc_area *a = &h->areas[n];

		a->cell_bytes = (size_t)1 << shift;
		a->stride = round8(sizeof(struct large_meta));
		area_setup(a, base + zone * (n + 1), base + meta_slice * n, zone, meta_slice);
	}
	h->nareas = n;
	for (uint32_t i = 0, c = 0; i < sizeof(h->class_of); i++) {
		while (slot_sizes[c] < i * 16)
			c++;
		h->class_of[i] = (uint8_t)c;
	}
	return 0;
}

/* The first small area whose slots fit need bytes at an alignment of align; -1 if none. */
int halloc_small_area(const struct halloc *h, size_t need, size_t align)
{
	for (int i = 0; i < HALLOC_SMALL_CLASSES; i++) {
		uint32_t s = h->areas[i].slot_bytes;

		if (s >= need && (s & (align - 1)) == 0) /* align: a power of two */
			return i;
	}
	return -1;
}

/* The first large area whose cells hold data_pages and a guard page; -1 if none. */
int halloc_large_area(const struct halloc *h, size_t data_pages)
{
	for (int i = HALLOC_SMALL_CLASSES; i < h->nareas; i++)
		if (h->areas[i].cell_bytes / HALLOC_PAGE > data_pages)
			return i;
	return -1;
}

/* Maps the metadata slice of a up to the entry of cell. */
static int map_meta(struct halloc *h, struct halloc_area *a, uint32_t cell)
{
	size_t need = ((size_t)cell + 1) * a->stride;

	while (a->meta_mapped < need) {
		int err = h->be->map(h->be->ctx, a->meta + a->meta_mapped, META_CHUNK);

		if (err)
			return err;
		a->meta_mapped += META_CHUNK;
		h->stats.meta_mapped += META_CHUNK;
	}
	return 0;
}

int64_t halloc_take_cell(struct halloc *h, struct halloc_area *a)
{
	uint32_t cell;

	if (a->free_cells) {
		cell = a->free_cells - 1;
		if (a->slot_bytes)
			a->free_cells = ((struct slab_meta *)halloc_cell_meta(a, cell))->next;
		else
			a->free_cells = ((struct large_meta *)halloc_cell_meta(a, cell))->next;
		return cell;
	}
	if (a->ncells >= a->ncells_max || map_meta(h, a, a->ncells))
		return -1;
	cell = a->ncells;
	/* Published after its metadata is mapped: fault explanations read it. */
	__atomic_store_n(&a->ncells, cell + 1, __ATOMIC_RELEASE);
	return cell;
}

void halloc_give_cell(struct halloc_area *a, uint32_t cell)
{
	if (a->slot_bytes) {
		struct slab_meta *m = halloc_cell_meta(a, cell);

		m->state = CELL_RELEASED;
		m->next = a->free_cells;
	} else {
		struct large_meta *m = halloc_cell_meta(a, cell);

		m->state = CELL_RELEASED;
		m->next = a->free_cells;
	}
	a->free_cells = cell + 1;
}

/*
 * A fault in a slab cell past its data pages is an overflow out of the
 * slab; in a released slab, a use after free. In a large cell: past the
 * live block's mapping, an overflow; a cell whose block was freed, a use
 * after free.
 */
enum halloc_fault halloc_explain_fault(const struct halloc *h, uintptr_t addr)
{
	struct halloc_where w;
	uintptr_t off;

	halloc_locate(h, addr, &w);
	if (!w.area || !w.in_cells)
		return HALLOC_FAULT_NONE;
	off = addr - halloc_cell_base(w.area, w.cell);
	if (w.area->slot_bytes) {
		const struct slab_meta *m = halloc_cell_meta(w.area, w.cell);

		if (m->state == CELL_RELEASED)
			return HALLOC_FAULT_FREED;
		if (m->state == CELL_ACTIVE && off >= (uintptr_t)w.area->data_pages * HALLOC_PAGE)
			return HALLOC_FAULT_GUARD;
		return HALLOC_FAULT_NONE;
	} else {
		const struct large_meta *m = halloc_cell_meta(w.area, w.cell);

		if (m->state == CELL_QUARANTINED || m->state == CELL_RELEASED)
			return HALLOC_FAULT_FREED;
		if (m->state == CELL_ACTIVE)
			return HALLOC_FAULT_GUARD; /* its mapped part cannot fault */
		return HALLOC_FAULT_NONE;
	}
}
