/*
 * pfa: the physical page-frame allocator (portable: also built on the host).
 *
 * One bit per 4 KiB frame from physical address 0 up to the end of the
 * highest usable range; a set bit means "not free" (used, reserved, or not
 * RAM at all). Everything starts reserved; the boot code frees the usable
 * ranges of the firmware's memory map, then reserves what the kernel image,
 * the boot modules and the bitmap itself occupy.
 */
#ifndef CARAPACE_PFA_H
#define CARAPACE_PFA_H

#include <stddef.h>
#include <stdint.h>

#define PFA_PAGE_SIZE 4096u

struct pfa {
	uint64_t *bitmap;       /* nframes bits; 1 = not free */
	uint64_t nframes;       /* frames covered, from physical 0 */
	uint64_t free_frames;   /* frames currently free */
	uint64_t usable_frames; /* frames ever made free by pfa_add_range */
	uint64_t next;          /* where the next search starts (next fit) */
};

/* Bytes of bitmap needed to cover physical memory up to phys_end. */
size_t pfa_bitmap_bytes(uint64_t phys_end);

/* Covers [0, phys_end) with the caller's bitmap storage; all reserved. */
void pfa_init(struct pfa *pfa, void *bitmap, uint64_t phys_end);

/*
 * Makes the whole frames inside [start, end) free (a usable RAM range).
 * Partial frames at either end are not freed.
 */
void pfa_add_range(struct pfa *pfa, uint64_t start, uint64_t end);

/* Marks every frame that touches [start, end) as not free. */
void pfa_reserve_range(struct pfa *pfa, uint64_t start, uint64_t end);

/*
 * Allocates n contiguous frames whose first address is a multiple of
 * align_frames frames (1 for no constraint). Returns 0 and the physical
 * address in *phys, or -ENOMEM when no such run is free (never a panic:
 * the caller decides), or -EINVAL for n == 0 or align_frames == 0.
 */
int pfa_alloc(struct pfa *pfa, uint64_t n, uint64_t align_frames,
	      uint64_t *phys);

/*
 * Frees n frames at phys. Returns -EINVAL, changing nothing, when phys is
 * not frame-aligned, the run lies outside the bitmap, or any frame of it is
 * already free (a double free).
 */
int pfa_free(struct pfa *pfa, uint64_t phys, uint64_t n);

#endif
