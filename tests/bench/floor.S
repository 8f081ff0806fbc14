/*
 * floor: the smallest kernel QEMU can boot the way it boots Carapace
 * (Multiboot v1, a.out kludge, 32-bit protected mode). It writes 0 to
 * isa-debug-exit, so QEMU exits with status 1 at once. scripts/bench compares
 * a whole Carapace run with this one: what is left is Carapace's own cost.
 */

#define MULTIBOOT_MAGIC      0x1badb002
#define MULTIBOOT_AOUT_KLUDGE (1 << 16) /* load addresses are in the header */
#define DEBUG_EXIT_PORT      0xf4       /* isa-debug-exit: QEMU exits (v << 1) | 1 */

	.code32
	.text
	.globl floor_start

	/* QEMU looks for the header in the first 8 KiB, 4-byte aligned. */
	.balign 4
multiboot_header:
	.long MULTIBOOT_MAGIC
	.long MULTIBOOT_AOUT_KLUDGE
	.long -(MULTIBOOT_MAGIC + MULTIBOOT_AOUT_KLUDGE)
	.long multiboot_header  /* header_addr */
	.long multiboot_header  /* load_addr: the image starts with the header */
	.long 0                 /* load_end_addr: load the whole file */
	.long 0                 /* bss_end_addr: no bss */
	.long floor_start       /* entry_addr */

floor_start:
	movw $DEBUG_EXIT_PORT, %dx
	xorb %al, %al
	outb %al, %dx
	/* Not reached when the device is there; never run on into memory. */
1:	cli
	hlt
	jmp 1b
