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
#include <carapace/layout.h>

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

/*
 * void app_thread_enter(const struct syscall_frame *f)
 *
 * A new application thread (clone) starts here, on its own kernel stack:
 * it "returns" from the clone system call as its parent did, with the
 * parent's argument registers, RAX = 0 and the stack and return address
 * of the frame (clone's child stack). RCX and R11 hold the return address
 * and flags, as after a real SYSCALL; the callee-saved registers are zero.
 */
#define FRAME_R9     8
#define FRAME_R8     16
#define FRAME_R10    24
#define FRAME_RDX    32
#define FRAME_RSI    40
#define FRAME_RDI    48
#define FRAME_RIP    56
#define FRAME_CS     64
#define FRAME_RFLAGS 72
#define FRAME_RSP    80
#define FRAME_SS     88

	.globl app_thread_enter
app_thread_enter:
	pushq FRAME_SS(%rdi)
	pushq FRAME_RSP(%rdi)
	pushq FRAME_RFLAGS(%rdi)
	pushq FRAME_CS(%rdi)
	pushq FRAME_RIP(%rdi)
	movq FRAME_R9(%rdi), %r9
	movq FRAME_R8(%rdi), %r8
	movq FRAME_R10(%rdi), %r10
	movq FRAME_RDX(%rdi), %rdx
	movq FRAME_RSI(%rdi), %rsi
	movq FRAME_RIP(%rdi), %rcx
	movq FRAME_RFLAGS(%rdi), %r11
	movq FRAME_RDI(%rdi), %rdi
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %ebp, %ebp
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	iretq
