/*
 * Interrupt and exception entry. One stub per vector pushes an error code
 * (a 0 where the CPU pushes none) and the vector number, then trap_common
 * saves the general registers in the layout of struct trap_frame (trap.h)
 * and calls trap_handler. Every vector runs on an IST stack (cpu.c), so no
 * handler ever runs on the stack it interrupted.
 */
#include <carapace/layout.h>


	.text
	.altmacro
.macro trap_stub v
	.balign 16
trap_stub_\v:
	.if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
.endm

	.globl trap_stubs_start
trap_stubs_start:
	.set vec, 0
	.rept 256
	trap_stub %vec
	.set vec, vec + 1
	.endr

trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	/*
	 * QEMU (TCG) enters every IST vector with a null SS, whose "32-bit"
	 * bit is clear, and that bit is part of the key of each block it
	 * translates: without this, code that interrupts and threads switched
	 * to from them run (the timer's, the scheduler's, the heap's) would be
	 * translated twice. The same selector as the rest of the kernel's;
	 * hardware keeps SS on an interrupt without a change of ring anyway.
	 */
	mov $GDT_KERNEL_DATA, %eax
	mov %eax, %ss
	cld
	mov %rsp, %rdi
	call trap_handler
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp           /* vector and error code */
	iretq

/* The address of each stub, for the IDT. */
.macro stub_addr v
	.quad trap_stub_\v
.endm
	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.set vec, 0
	.rept 256
	stub_addr %vec
	.set vec, vec + 1
	.endr

/*
 * void arch_run_on_stack(void *stack_top, void (*fn)(void *), void *arg)
 * Switches to a new stack and calls fn(arg) there; fn must not return.
 */
	.text
	.globl arch_run_on_stack
arch_run_on_stack:
	mov %rdi, %rsp
	xor %ebp, %ebp
	mov %rdx, %rdi
	call *%rsi
	ud2

/*
 * void arch_enter_at(uint64_t entry, uint64_t sp)
 * Jumps to a program's entry point as a process starts on Linux x86_64:
 * RSP at argc (16-byte aligned), RDX = 0 (no function for atexit), RBP = 0.
 */
	.globl arch_enter_at
arch_enter_at:
	mov %rsi, %rsp
	xor %ebp, %ebp
	xor %edx, %edx
	jmp *%rdi
