/*
 * Where the kernel image runs (reloc.c).
 *
 * The image is linked at KERNEL_VMA and slid, at boot, to a random base
 * (aslr/README.md, "The kernel image"). Everything that turns an address
 * of the image into a physical one goes through kernel_image_phys.
 */
#ifndef CARAPACE_RELOC_H
#define CARAPACE_RELOC_H

#include <stdint.h>

#include "layout.h"

/* How the boot code chose the image's base (kernel_image_how). */
enum kreloc_how {
	KRELOC_OFF,       /* aslr=off: at its link address */
	KRELOC_RDRAND,    /* a random base from RDRAND */
	KRELOC_TSC,       /* a random base from the TSC (weak: no RDRAND) */
	KRELOC_SEED,      /* from aslr.seed=N (reproducible, insecure) */
	KRELOC_NO_TABLES, /* the image is too large for the boot tables: not moved */
};

/* The runtime address minus the link address of every byte of the image. */
extern uint64_t kernel_image_slide;
extern uint32_t kernel_image_how;

/* Called once from boot.S, before anything uses an absolute address. */
uint64_t kernel_relocate(void);

/* The physical address of va, an address in the kernel image. */
static inline uint64_t kernel_image_phys(uint64_t va)
{
	return va - kernel_image_slide - KERNEL_VMA;
}

#endif
