/*
 * The AP trampoline's layout (ap_boot.S): smp.c fills the data fields in
 * the copy below 1 MiB before each STARTUP IPI.
 */
#ifndef CARAPACE_AP_BOOT_H
#define CARAPACE_AP_BOOT_H

#define AP_BOOT_TICKET  0x08 /* u32: nonzero while a CPU is expected; the CPU takes it */
#define AP_BOOT_CR3     0x10 /* u32: the kernel's top-level page table (below 4 GiB) */
#define AP_BOOT_STACK   0x18 /* u64: the stack top for the kernel entry */
#define AP_BOOT_CPU     0x20 /* u64: the struct cpu, first argument of the entry */
#define AP_BOOT_ENTRY   0x28 /* u64: the kernel entry (high address) */
#define AP_BOOT_GDTR    0x30 /* u16 limit, u32 base: the trampoline GDT */
#define AP_BOOT_FAR64   0x38 /* u32 offset, u16 selector: the jump to 64-bit code */
#define AP_BOOT_GDT     0x40 /* null, code, data */
#define AP_BOOT_CODE    0x58 /* the real-mode code */

#endif
