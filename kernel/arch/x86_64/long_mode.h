/*
 * Entering long mode from 32-bit code, shared by the boot CPU's entry
 * (boot.S) and the other CPUs' trampoline (ap_boot.S). Assembly only.
 */
#ifndef CARAPACE_LONG_MODE_H
#define CARAPACE_LONG_MODE_H

#define CR0_PE          (1 << 0)
#define CR0_WP          (1 << 16)
#define CR0_NW          (1 << 29)
#define CR0_CD          (1 << 30)
#define CR0_PG          (1 << 31)
#define CR4_PAE         (1 << 5)
#define MSR_EFER        0xc0000080
#define EFER_LME        (1 << 8)
#define EFER_NXE        (1 << 11)

/*
 * PAE, CR3 = the top-level table (cr3, any 32-bit source operand), long
 * mode and NX, then paging with write protection. The caches are turned on
 * too: CR0 may still hold its reset value (as after INIT), with CD and NW
 * set, and KVM then runs the guest uncached, about 50 times slower. The
 * caller's far jump into a 64-bit segment follows.
 */
.macro enter_long_mode cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov \cr3, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $(EFER_LME | EFER_NXE), %eax
	wrmsr
	mov %cr0, %eax
	and $~(CR0_CD | CR0_NW), %eax
	or $(CR0_PE | CR0_PG | CR0_WP), %eax
	mov %eax, %cr0
.endm

#endif
