/*
 * Multiboot v1 entry: from 32-bit protected mode (as QEMU's -kernel leaves
 * us, paging off) into long mode, then into kmain at the kernel's virtual
 * address.
 *
 * The boot page tables map the first BOOT_MAPPED_BYTES of physical memory
 * twice with 2 MiB pages: at 0 (so this code keeps running once paging is
 * on) and at KERNEL_VMA, and reloc.c adds the image at its random base. They
 * are only used until kmain has built the real page tables
 * (kernel/arch/x86_64/mmu.c), which map none of this code and only the
 * image's new place.
 *
 * QEMU loads the image as a flat binary through the "a.out kludge": the
 * header says where it goes, so QEMU needs no ELF parsing.
 */
#include <carapace/layout.h>
#include "long_mode.h"

#define MB_MAGIC        0x1badb002
#define MB_FLAGS        0x00010003 /* page-aligned modules, memory map, a.out kludge */

#define PTE_P           0x1
#define PTE_W           0x2
#define PTE_PS          0x80

#define PHYS(x)         ((x) - KERNEL_VMA)

	.section .multiboot, "a"
	.balign 4
multiboot_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long multiboot_header          /* header_addr */
	.long __image_phys_start        /* load_addr */
	.long __image_load_end          /* load_end_addr */
	.long __image_phys_end          /* bss_end_addr (.bss is in the file) */
	.long boot_entry32              /* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl boot_entry32
boot_entry32:
	cli
	cld
	/* The TSC at entry, for the boot-time measurement. */
	mov %eax, %esi
	rdtsc
	mov %eax, PHYS(boot_entry_tsc)
	mov %edx, PHYS(boot_entry_tsc) + 4
	mov %esi, %eax
	mov $PHYS(boot_stack_top), %esp
	/* Keep the Multiboot magic and info pointer for kmain. */
	mov %eax, PHYS(boot_multiboot_magic)
	mov %ebx, PHYS(boot_multiboot_info)

	/* PD: 512 x 2 MiB pages = the first GiB. */
	mov $boot_pd, %edi
	mov $(PTE_P | PTE_W | PTE_PS), %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $LARGE_PAGE_SIZE, %eax
	add $8, %edi
	loop 1b

	/* PDPT low[0] and PDPT high[510] both point at the PD. */
	mov $(boot_pd + PTE_P + PTE_W), %eax
	mov %eax, boot_pdpt_low
	mov %eax, boot_pdpt_high + 510 * 8
	/* PML4[0] -> low PDPT, PML4[511] -> high PDPT. */
	mov $(boot_pdpt_low + PTE_P + PTE_W), %eax
	mov %eax, boot_pml4
	mov $(boot_pdpt_high + PTE_P + PTE_W), %eax
	mov %eax, boot_pml4 + 511 * 8

	enter_long_mode $boot_pml4

	lgdt boot_gdt_ptr
	ljmp $8, $boot_entry64

	.code64
boot_entry64:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	movabs $boot_high, %rax
	jmp *%rax

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff        /* data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.balign 4096
boot_pml4:      .fill 512, 8, 0
boot_pdpt_low:  .fill 512, 8, 0
boot_pdpt_high: .fill 512, 8, 0
boot_pd:        .fill 512, 8, 0

	/*
	 * From here on: the kernel's own virtual addresses, first the link
	 * address; kernel_relocate slides the image (reloc.c) and returns by
	 * how much. Then the same code runs at its new address, on the same
	 * stack at its new address: no frame of the old one is used again.
	 */
	.text
boot_high:
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	call kernel_relocate
	lea boot_relocated(%rip), %rcx
	add %rax, %rcx
	jmp *%rcx
boot_relocated:
	lea boot_stack_top(%rip), %rsp
	call kmain
2:	hlt
	jmp 2b

	.data
	.balign 8
	.globl boot_entry_tsc, boot_multiboot_magic, boot_multiboot_info
boot_entry_tsc:       .quad 0
boot_multiboot_magic: .long 0
boot_multiboot_info:  .long 0

	.bss
	.balign 4096
	.globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
