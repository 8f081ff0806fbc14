/*
 * The AP trampoline. smp.c copies it to a page below 1 MiB and fills in its
 * data fields; a STARTUP IPI starts the AP at offset 0 of that page in real
 * mode. From there it goes straight to long mode on the kernel's page
 * tables (the trampoline page is identity-mapped, read-only, while APs
 * start), then jumps to the kernel entry on its own stack.
 *
 * The code must not depend on where it is copied: real-mode addresses are
 * offsets from CS (= the page), the 64-bit part addresses its data
 * RIP-relative, and the two absolute addresses (the GDT base and the 64-bit
 * entry) are filled in by smp.c.
 *
 * Kept in .rodata: it is only ever executed from the copy.
 */
#include "ap_boot.h"
#include <carapace/layout.h>
#include "long_mode.h"


	.section .rodata
	.balign 16
	.globl ap_trampoline_start, ap_trampoline_end
	.code16
ap_trampoline_start:
	jmp real_mode_entry

	.org ap_trampoline_start + AP_BOOT_TICKET
	.long 0
	.org ap_trampoline_start + AP_BOOT_CR3
	.long 0
	.org ap_trampoline_start + AP_BOOT_STACK
ap_stack:	.quad 0
ap_cpu:		.quad 0
ap_entry:	.quad 0
	.org ap_trampoline_start + AP_BOOT_GDTR
	.word 3 * 8 - 1
	.long 0
	.org ap_trampoline_start + AP_BOOT_FAR64
	.long 0
	.word GDT_KERNEL_CODE
	/*
	 * The accessed bits are preset: the page is read-only once paging is
	 * on, and the CPU would otherwise write them when loading a segment.
	 */
	.org ap_trampoline_start + AP_BOOT_GDT
	.quad 0
	.quad 0x00af9b000000ffff        /* 64-bit code, ring 0 */
	.quad 0x00cf93000000ffff        /* data, ring 0 */

	.org ap_trampoline_start + AP_BOOT_CODE
real_mode_entry:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	/*
	 * Take the ticket. Without one (the boot CPU gave up on us, or we are
	 * a CPU nobody asked for) stop here, before touching anything shared.
	 */
	xor %eax, %eax
	xchgl %eax, AP_BOOT_TICKET
	test %eax, %eax
	jz park

	lgdtl AP_BOOT_GDTR
	enter_long_mode AP_BOOT_CR3
	ljmpl *AP_BOOT_FAR64

park:
	cli
	hlt
	jmp park

	.code64
	.globl ap_trampoline_long_mode
ap_trampoline_long_mode:
	mov $GDT_KERNEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov ap_stack(%rip), %rsp
	mov ap_cpu(%rip), %rdi
	mov ap_entry(%rip), %rax
	xor %ebp, %ebp
	pushq $0                        /* a null return address ends backtraces */
	jmp *%rax
ap_trampoline_end:
