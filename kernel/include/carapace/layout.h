/*
 * The kernel's virtual and physical layout, for C and assembly alike
 * (kernel/kernel.ld repeats KERNEL_VMA: it is not preprocessed). Defined by
 * kernel/arch/x86_64, known to every folder.
 *
 *   0x0000000000000000 ...   low half: the application's (its objects, heap,
 *                            mappings and thread stacks, from APP_AREA_START);
 *                            page 0 is never mapped.
 *   DIRECT_MAP_BASE          every usable RAM frame, read-write, never
 *                            executable, from a random 2 MiB boundary of
 *                            this area (memory.c); the frames of the kernel
 *                            image are left out so that no writable alias
 *                            of its text exists.
 *   KASAN_SHADOW_AREA        SAN=kasan kernels only: the upper half of the
 *                            direct map's area holds the address
 *                            sanitizer's shadow of the high half, 16 TiB
 *                            from a random page (hardening/kasan.c).
 *   KHEAP_BASE               the kernel heap: the hardened allocator
 *                            (hardening/heaps.c) on half of the area from a
 *                            random start; slabs and large blocks between
 *                            unmapped pages.
 *   KERNEL_RELOC_BASE        the kernel image, slid at boot to a random page
 *                            of this area (reloc.c); at KERNEL_VMA + phys
 *                            with aslr=off.
 *   STACKS_BASE              stacks (IST, kernel threads), each between two
 *                            unmapped guard pages.
 *   PHYS_MAP_BASE            device registers and firmware tables mapped by
 *                            physical address (never executable), each
 *                            between unmapped pages, from a random page.
 *   KERNEL_VMA + phys        the kernel image's link address: only boot
 *                            runs there, before reloc.c slides it.
 *
 * The image is loaded at physical KERNEL_LOAD_PHYS. Its first part (.boot:
 * the Multiboot header and the 32-bit entry code) runs at its physical
 * address; the rest is linked at KERNEL_VMA + its physical address and runs
 * there (aslr=off) or slid by kernel_image_slide (reloc.h).
 */
#ifndef CARAPACE_LAYOUT_H
#define CARAPACE_LAYOUT_H

#define PAGE_SIZE          0x1000
#define LARGE_PAGE_SIZE    0x200000
/* v rounded up to a multiple of a, a power of two (for C only). */
#define ALIGN_UP(v, a)     (((uint64_t)(v) + (a) - 1) & ~((uint64_t)(a) - 1))

#define KERNEL_LOAD_PHYS   0x100000
#define KERNEL_VMA         0xffffffff80000000

/*
 * The application's part: the low half, from 64 KiB (page 0 and its
 * neighbours stay unmapped, as Linux's mmap_min_addr). Fixed bases until
 * aslr/ picks them.
 */
#define APP_AREA_START     0x10000
#define APP_IMAGE_BASE     0x0000040000000000 /* the loaded ELF object */
#define APP_BRK_BASE       0x0000080000000000
#define APP_HEAP_BASE      0x00000c0000000000 /* the hardened heap (hardening/) */
#define APP_HEAP_LIMIT     0x0000140000000000 /* 8 TiB: a base among 2^30 pages */
#define APP_MMAP_BASE      0x0000140000000000
#define APP_MMAP_LIMIT     0x0000700000000000
#define LOW_HALF_END       0x0000800000000000 /* first non-canonical address */

#define DIRECT_MAP_BASE    0xffff800000000000
#ifdef CARAPACE_SAN_KASAN
#define KASAN_SHADOW_AREA  0xffffa00000000000
#define DIRECT_MAP_LIMIT   KASAN_SHADOW_AREA
#else
#define DIRECT_MAP_LIMIT   KHEAP_BASE
#endif
#define KHEAP_BASE         0xffffc00000000000
#define KHEAP_LIMIT        0xffffd00000000000
/* 16 TiB: a base among 2^32 pages, less the image's own size. */
#define KERNEL_RELOC_BASE  0xffffd00000000000
#define KERNEL_RELOC_LIMIT 0xffffe00000000000
#define STACKS_BASE        0xffffe00000000000
#define STACKS_LIMIT       0xfffff00000000000
#define PHYS_MAP_BASE      0xfffff00000000000
#define PHYS_MAP_LIMIT     0xfffff80000000000

/* Real-mode code (the AP trampoline) must lie in the first 640 KiB. */
#define LOW_MEMORY_END     0xa0000

/* The boot page tables map this much physical memory at KERNEL_VMA. */
#define BOOT_MAPPED_BYTES  0x40000000

#define BOOT_STACK_SIZE    0x4000

/* GDT selectors (cpu.c builds the GDT in this order). */
#define GDT_KERNEL_CODE    0x08
#define GDT_KERNEL_DATA    0x10
#define GDT_TSS            0x18

#endif
