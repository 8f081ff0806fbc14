/*
 * The SYSCALL instruction, in ring 0. The CPU leaves the return address in
 * RCX and RFLAGS in R11 and, through IA32_FMASK, turns interrupts off; it
 * does not touch the stack. So the caller's stack, red zone included, is
 * never written: the entry moves at once to the running thread's own
 * syscall stack (between guard pages), builds an interrupt-return frame
 * there, and returns with iretq: SYSRET would always land in ring 3.
 *
 * Everything but RAX (the result), RCX and R11 comes back as it was, as
 * Linux promises; the kernel is built with -mgeneral-regs-only, so vector
 * registers are untouched too.
 */
#include "layout.h"

#define CPU_SYSCALL_STACK   16 /* struct cpu, percpu.h */
#define CPU_SYSCALL_SCRATCH 24
#define RFLAGS_IF           0x200

	.text
	.globl syscall_entry
syscall_entry:
	movq %rsp, %gs:CPU_SYSCALL_SCRATCH
	movq %gs:CPU_SYSCALL_STACK, %rsp
	pushq $GDT_KERNEL_DATA          /* ss */
	pushq %gs:CPU_SYSCALL_SCRATCH   /* rsp */
	pushq %r11                      /* rflags */
	pushq $GDT_KERNEL_CODE          /* cs */
	pushq %rcx                      /* rip */
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rax                      /* the call's number */
	testl $RFLAGS_IF, %r11d         /* interrupts back on if the caller had them */
	jz 1f
	sti
1:	movq %rsp, %rdi
	call syscall_from_entry
	cli
	addq $8, %rsp
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	iretq
