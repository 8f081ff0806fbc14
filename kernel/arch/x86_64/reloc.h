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

#include <carapace/arch.h>

/* Called once from boot.S, before anything uses an absolute address. */
uint64_t kernel_relocate(void);

#endif
